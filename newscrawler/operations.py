"""`newscrawler crawl` and `newscrawler ingest`: the commands an operator schedules.

crawl   runs the portals' spiders in one process (resumable with --jobdir), shows progress
        per portal on a terminal, prints a summary, and exits 0 when every portal went well,
        1 when some portal failed, 2 on bad usage.
ingest  drains the Redis item queue of a scaled-out crawl into the archive (the one writer).
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import sys
import time
from datetime import date, datetime
from typing import Any, TextIO

from newscrawler.addresses import redact
from newscrawler.runner import CrawlReport
from newscrawler.storage import db_path

OUTCOMES = ("new", "updated", "unchanged")


class UsageError(ValueError):
    """A command line that cannot be run as written (exit status 2)."""


# -- crawl: what to run -------------------------------------------------------------------------

def chosen_portals(names: list[str], everything: bool) -> list[str]:
    from newscrawler.portals import load_portals

    known = load_portals()
    if everything == bool(names):
        raise UsageError("name the portals to crawl, or give --all (not both)")
    if everything:
        return list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = {n: difflib.get_close_matches(n, known, n=1) for n in unknown}
        said = ", ".join(f"{n} (did you mean {h[0]}?)" if h else n for n, h in hints.items())
        raise UsageError(f"no portal description for {said}; `newscrawler portals` lists them")
    return list(dict.fromkeys(names))


def checked_window(since: str | None, until: str | None) -> None:
    from newscrawler.spiders.portal import backfill_window

    try:
        backfill_window(since, until, date.today())
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def setting_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"-s takes NAME=VALUE, got {pair!r}")
        overrides[name] = value
    return overrides


def spider_arguments(portal_id: str, args: argparse.Namespace) -> dict[str, str]:
    from newscrawler.portals import get_portal

    arguments = {name: getattr(args, name) for name in ("since", "until")
                 if getattr(args, name)}
    if args.mirror:
        arguments["site"] = f"{args.mirror.rstrip('/')}/{get_portal(portal_id).domains[0]}"
    return arguments


# -- crawl: what it shows -----------------------------------------------------------------------

def report_line(report: CrawlReport) -> str:
    c = {o: report.count(f"articles/{o}") for o in OUTCOMES}
    return (f"{report.portal:<20} {report.pages:>6} {c['new']:>5} {c['updated']:>7} "
            f"{c['unchanged']:>9} {report.count('skipped/known'):>6} {report.errors:>6}")


HEADER = (f"{'portal':<20} {'pages':>6} {'new':>5} {'updated':>7} {'unchanged':>9} "
          f"{'known':>6} {'errors':>6}")


class TerminalProgress:
    """Redraws one line per running portal on a terminal; elsewhere, a line per finished one."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.live = stream.isatty()
        self.drawn = 0
        self.announced: set[str] = set()
        self.started = time.monotonic()

    def __call__(self, reports: list[CrawlReport]) -> None:
        if self.live:
            self.redraw(reports)
        for report in reports:
            if report.finish_reason and report.portal not in self.announced:
                self.announced.add(report.portal)
                if not self.live:
                    print(f"finished ({report.finish_reason}): {report_line(report)}",
                          file=self.stream, flush=True)

    def redraw(self, reports: list[CrawlReport]) -> None:
        height = shutil.get_terminal_size().lines - 3
        running = [r for r in reports if r.stats and not r.finish_reason]
        done = sum(1 for r in reports if r.finish_reason)
        lines = [f"{int(time.monotonic() - self.started)}s, {done}/{len(reports)} portals done",
                 HEADER, *(report_line(r) for r in running[:max(height, 1)])]
        if self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F")
        self.stream.write("".join(f"\x1b[2K{line}\n" for line in lines))
        self.stream.write("\x1b[J")
        self.stream.flush()
        self.drawn = len(lines)


def print_summary(reports: list[CrawlReport], db: Any, out: TextIO) -> None:
    print(HEADER + "  by reason", file=out)
    totals = dict.fromkeys((*OUTCOMES, "known", "queued", "errors", "pages"), 0)
    for report in reports:
        reasons = {**report.dropped, **report.error_reasons}
        detail = ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())) or "-"
        print(f"{report_line(report)}  {detail}", file=out)
        for outcome in OUTCOMES:
            totals[outcome] += report.count(f"articles/{outcome}")
        totals["known"] += report.count("skipped/known")
        totals["queued"] += report.count("articles/queued")
        totals["errors"] += report.errors
        totals["pages"] += report.pages
    print(f"{len(reports)} portals, {totals['pages']} pages: added {totals['new']}, updated "
          f"{totals['updated']}, unchanged {totals['unchanged']}, known (not fetched) "
          f"{totals['known']}, errors {totals['errors']}; archive: {db}", file=out)
    if totals["queued"]:
        print(f"queued {totals['queued']} articles in Redis for `newscrawler ingest`", file=out)
    for report in (r for r in reports if r.failed):
        why = report.finish_reason or "did not start"
        if report.unexpected:
            why += f", {report.unexpected} unexpected errors (see the log)"
        elif report.pages == 0 and report.error_reasons:
            why += ", nothing could be fetched"
        print(f"FAILED {report.portal}: {why}", file=out)


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl portals into the archive; exit 0 all well, 1 some portal failed, 2 bad usage."""
    try:
        portals = chosen_portals(args.portals, args.all)
        checked_window(args.since, args.until)
        overrides: dict[str, Any] = setting_overrides(args.set)
    except UsageError as exc:
        print(f"newscrawler crawl: {exc}", file=sys.stderr)
        return 2
    from newscrawler.runner import run_crawls

    db = db_path(args.db)
    overrides["NEWSCRAWLER_DB"] = str(db)
    progress = TerminalProgress(sys.stderr)
    if progress.live and "LOG_LEVEL" not in overrides and not os.environ.get(
            "NEWSCRAWLER_LOG_LEVEL"):
        overrides["LOG_LEVEL"] = "ERROR"  # the progress lines say it; warnings would tear them
    jobs = {pid: spider_arguments(pid, args) for pid in portals}
    started = datetime.now().isoformat(timespec="seconds")
    print(f"crawling {len(jobs)} portals into {db} (started {started})", file=sys.stderr)
    reports = run_crawls(jobs, overrides, jobdir=args.jobdir, progress=progress)
    print_summary(reports, db, sys.stdout)
    return 1 if any(r.failed for r in reports) else 0


# -- ingest ---------------------------------------------------------------------------------------

def cmd_ingest(args: argparse.Namespace) -> int:
    """Drain the Redis item queue into the archive (batched, idempotent, safe to restart)."""
    url = args.redis or os.environ.get("NEWSCRAWLER_REDIS_URL")
    if not url:
        print("newscrawler ingest: give --redis URL or set NEWSCRAWLER_REDIS_URL",
              file=sys.stderr)
        return 2
    if args.batch < 1:
        print("newscrawler ingest: --batch must be at least 1", file=sys.stderr)
        return 2
    import redis

    from newscrawler.scaleout import connect, ingest
    from newscrawler.storage import Archive

    try:
        server = connect(url)
    except (redis.RedisError, ValueError) as exc:
        print(redact(f"newscrawler ingest: cannot reach Redis at {url}: {exc}"),
              file=sys.stderr)
        return 1
    db = db_path(args.db)
    with Archive(db, batch_size=args.batch) as archive:
        counts = ingest(server, archive, batch_size=args.batch, follow=args.follow)
    print(f"ingested into {db}: new {counts['new']}, updated {counts['updated']}, unchanged "
          f"{counts['unchanged']}, already stored {counts['already_stored']}, unreadable "
          f"{counts['unreadable']}; crawl runs recorded {counts['runs']}")
    return 0


def add_commands(sub: Any) -> None:
    """Register `crawl` and `ingest` on the CLI's subparsers."""
    p = sub.add_parser("crawl", help="crawl portals into the archive (resumable, incremental)")
    p.add_argument("portals", nargs="*", metavar="PORTAL", help="portal ids (see `portals`)")
    p.add_argument("--all", action="store_true", help="every described portal")
    p.add_argument("--since", metavar="DATE", help="backfill from this day (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="backfill up to this day (default: today)")
    p.add_argument("--jobdir", metavar="DIR",
                   help="keep each portal's crawl state in DIR/<portal>, to resume after a stop")
    p.add_argument("--db", help="archive path (default: $NEWSCRAWLER_DB or data/news.db)")
    p.add_argument("--mirror", metavar="ORIGIN",
                   help="crawl local mirrors served at ORIGIN/<portal domain> (tests, demos)")
    p.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE",
                   help="a Scrapy setting, as with `scrapy crawl -s`")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("ingest", help="drain a scaled-out crawl's Redis items into the archive")
    p.add_argument("--db", help="archive path (default: $NEWSCRAWLER_DB or data/news.db)")
    p.add_argument("--redis", metavar="URL", help="default: $NEWSCRAWLER_REDIS_URL")
    p.add_argument("--batch", type=int, default=200, help="articles per commit (default 200)")
    p.add_argument("--follow", action="store_true",
                   help="keep waiting for new items instead of stopping when the queue is empty")
    p.set_defaults(func=cmd_ingest)
