#!/usr/bin/env python3
"""Schedule newscrawler crawls on scrapyd, which has no periodic scheduler of its own.

Run it from cron or a systemd timer (deploy/README.md). It asks scrapyd for the project's
spiders (every portal; `url` is left out) and POSTs one `schedule.json` per portal, skipping a
portal whose previous job is still pending or running. Standard library only: it runs on any
machine with Python 3, without newscrawler installed.

    schedule.py [--url http://127.0.0.1:6800] [--project newscrawler]
                [--set NAME=VALUE ...] [--arg NAME=VALUE ...] [PORTAL ...]

--set passes a Scrapy setting (e.g. NEWSCRAWLER_DB=/var/lib/newscrawler/news.db), --arg a
spider argument (e.g. since=2020-11-01). Exit status: 0 when every portal was scheduled or
still busy, 1 when scrapyd refused or could not be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


def call(base: str, endpoint: str, fields: list[tuple[str, str]] | None = None) -> dict:
    """GET (no fields) or POST a scrapyd JSON endpoint; scrapyd's own errors raise."""
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    with urllib.request.urlopen(f"{base.rstrip('/')}/{endpoint}", data=data,
                                timeout=60) as response:
        answer = json.loads(response.read())
    if answer.get("status") != "ok":
        raise RuntimeError(f"{endpoint}: {answer.get('message', answer)}")
    return answer


def pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"schedule.py: {option} takes NAME=VALUE, got {value!r}")
        out.append((name, rest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("portals", nargs="*", metavar="PORTAL")
    parser.add_argument("--url", default="http://127.0.0.1:6800")
    parser.add_argument("--project", default="newscrawler")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = [("setting", f"{k}={v}") for k, v in pairs(args.set, "--set")]
    arguments = pairs(args.arg, "--arg")
    try:
        portals = args.portals or [s for s in call(
            args.url, f"listspiders.json?project={args.project}")["spiders"] if s != "url"]
        jobs = call(args.url, f"listjobs.json?project={args.project}")
        busy = {job["spider"] for job in (*jobs["pending"], *jobs["running"])}
        for portal in portals:
            if portal in busy:
                print(f"{portal}: previous job still pending or running, not scheduled")
                continue
            job = call(args.url, "schedule.json", [("project", args.project),
                                                   ("spider", portal), *settings, *arguments])
            print(f"{portal}: scheduled job {job['jobid']}")
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        print(f"schedule.py: scrapyd at {args.url}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
