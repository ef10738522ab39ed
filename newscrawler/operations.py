"""`newscrawler crawl` and `newscrawler ingest`: the commands an operator schedules.

crawl   runs the portals' spiders in one process (resumable with --jobdir), shows progress
        per portal on a terminal, prints a summary with each portal's outcome, and exits with
        the worst one's status (EXIT_STATUS: 0 ok or empty, 3 degraded, 1 failed, 130
        stopped; 2 bad usage).
ingest  drains the Redis item queue of a scaled-out crawl into the archive (the one writer).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from newscrawler.addresses import redact
from newscrawler.errors import NewscrawlerError
from newscrawler.runner import CrawlReport
from newscrawler.stats import EXIT_STATUS, worst
from newscrawler.storage import db_path

OUTCOMES = ("new", "updated", "unchanged")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class UsageError(NewscrawlerError):
    """A command line that cannot be run as written (exit status 2)."""


# -- crawl: what to run -------------------------------------------------------------------------

def chosen_portals(names: list[str], everything: bool) -> list[str]:
    """The portals to crawl; an unknown name is a usage error, a broken description fails."""
    from newscrawler.portals import PortalError, broken_portals, get_portal, load_portals

    if everything == bool(names):
        raise UsageError("name the portals to crawl, or give --all (not both)")
    if everything:
        return list(load_portals())
    for name in names:
        try:
            get_portal(name)
        except PortalError as exc:
            if name in broken_portals():
                raise
            raise UsageError(str(exc)) from None
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
    outcome = report.outcome if report.finish_reason or not report.started else "running"
    return (f"{report.portal:<20} {outcome:<8} {report.pages:>6} {c['new']:>5} "
            f"{c['updated']:>7} {c['unchanged']:>9} {report.count('skipped/known'):>6} "
            f"{report.errors:>6}")


HEADER = (f"{'portal':<20} {'outcome':<8} {'pages':>6} {'new':>5} {'updated':>7} "
          f"{'unchanged':>9} {'known':>6} {'errors':>6}")


def exit_status(reports: list[CrawlReport]) -> int:
    """The worst portal's status: 0 ok/empty, 3 degraded, 1 failed, 130 stopped."""
    return EXIT_STATUS[worst([r.outcome for r in reports])]


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
                    print(f"done: {report_line(report)}", file=self.stream, flush=True)

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
    for report in reports:
        if report.why:
            print(f"{report.outcome.upper()} {report.portal}: {report.why}", file=out)


def open_for_crawling(db: Path) -> None:
    """Make sure the archive can be written before any crawl starts (a clear error if not);
    say so when it is created, so a mistyped --db is seen at once."""
    from newscrawler.storage import Archive, read_only_archive

    if not db.exists():
        print(f"newscrawler: no archive at {db}: creating a new one", file=sys.stderr)
    Archive(db).close()
    if not (os.access(db, os.W_OK) and os.access(db.parent, os.W_OK)):
        raise read_only_archive(db)  # opening it wrote nothing; a crawl would


def log_settings(args: argparse.Namespace, overrides: dict[str, Any], live: bool
                 ) -> dict[str, Any]:
    """Where the log goes and how much of it: on a terminal, errors only (the progress lines
    say the rest, and warnings would tear them); elsewhere (cron, systemd) warnings and
    errors, one line each; into --log-file, everything from INFO up. --log-level, `-s
    LOG_LEVEL` or $NEWSCRAWLER_LOG_LEVEL choose otherwise."""
    chosen: dict[str, Any] = {}
    if args.log_file:
        chosen["LOG_FILE"] = args.log_file
    level = args.log_level or overrides.get("LOG_LEVEL") or os.environ.get("NEWSCRAWLER_LOG_LEVEL")
    chosen["LOG_LEVEL"] = level or ("INFO" if args.log_file else "ERROR" if live else "WARNING")
    return chosen


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl portals into the archive; the exit status is the worst portal's (EXIT_STATUS),
    1 when a description is broken, 2 on bad usage."""
    from newscrawler.portals import broken_portals

    try:
        portals = chosen_portals(args.portals, args.all)
        checked_window(args.since, args.until)
        overrides: dict[str, Any] = setting_overrides(args.set)
    except UsageError as exc:
        print(f"newscrawler crawl: {exc}", file=sys.stderr)
        return 2
    from newscrawler.runner import project_settings, run_crawls

    db = db_path(args.db)
    if not project_settings(overrides).get("NEWSCRAWLER_REDIS_URL"):
        open_for_crawling(db)  # a worker of a scale-out never writes the archive
    overrides["NEWSCRAWLER_DB"] = str(db)
    progress = TerminalProgress(sys.stderr)
    overrides.update(log_settings(args, overrides, progress.live))
    jobs = {pid: spider_arguments(pid, args) for pid in portals}
    started = datetime.now().isoformat(timespec="seconds")
    print(f"crawling {len(jobs)} portals into {db} (started {started})", file=sys.stderr)
    reports = run_crawls(jobs, overrides, jobdir=args.jobdir, progress=progress)
    print_summary(reports, db, sys.stdout)
    status = exit_status(reports)
    broken = broken_portals() if args.all else {}
    for error in broken.values():
        print(f"BROKEN {error}", file=sys.stdout)
    if broken and status != EXIT_STATUS["stopped"]:
        status = EXIT_STATUS["failed"]
    return status


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
    p.add_argument("--log-file", metavar="FILE",
                   help="append the log to FILE (from INFO up) instead of standard error")
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS,
                   help="least severe log lines kept (default: ERROR on a terminal, "
                   "WARNING elsewhere, INFO into --log-file)")
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
