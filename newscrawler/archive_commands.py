"""`newscrawler reextract | export | stats`: work on an archive that already exists.

reextract runs today's extraction over the raw pages kept in the archive (the newest page of
each article) and records a revision wherever the result changed; export streams articles as
JSON lines or CSV in constant memory; stats says, per portal, what the archive holds and how
its crawls went.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

from scrapy.http import HtmlResponse

from newscrawler.dates import parse_http_date
from newscrawler.extract import ExtractError, extract
from newscrawler.migrations import SchemaError
from newscrawler.portals import Portal, PortalError, get_portal
from newscrawler.storage import (
    Archive,
    ArchiveError,
    OutdatedSchema,
    StoredPage,
    db_path,
    stored_fields,
)

logger = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace], int]
EXPORT_FORMATS = ("jsonl", "csv")
REEXTRACT_BATCH = 200


def fail(message: str, code: int = 1) -> int:
    print(f"newscrawler: {message}", file=sys.stderr)
    return code


# -- reextract ------------------------------------------------------------------------------


def known_portal(portal_id: str | None) -> Portal | None:
    try:
        return get_portal(portal_id) if portal_id else None
    except PortalError:
        return None


def continues_on_next_page(stored: StoredPage, portal: Portal | None) -> bool:
    """True when the kept page is only the first of a paginated article: the crawl read the
    following pages too, and extracting this one alone would cut the article short."""
    selector = portal.multipage.next_page if portal else None
    if not selector:
        return False
    response = HtmlResponse(stored.page_url, body=stored.body,
                            headers={"Content-Type": stored.headers.get("Content-Type", "")})
    return response.css(selector).get() is not None


def reextract_one(archive: Archive, stored: StoredPage) -> str:
    """Extract one stored page again; what happened ("revised", "refreshed", "unchanged" or
    "skipped_<why>"). "revised": title or body changed, the old version kept as a revision;
    "refreshed": other fields changed (dates, authors, tags...)."""
    portal = known_portal(stored.portal)
    if continues_on_next_page(stored, portal):
        return "skipped_multipage"
    try:
        article = extract(stored.body, stored.url, portal=portal,
                          now=parse_http_date(stored.headers.get("Date")),
                          content_type=stored.headers.get("Content-Type"))
    except ExtractError as exc:
        logger.warning("reextract: %s: %s", stored.url, exc)
        return "skipped_not_html"
    reason = getattr(article, "drop_reason", None)
    if reason:
        logger.warning("reextract: %s is no longer read as an article (%s): kept as stored",
                       stored.url, reason)
        return f"skipped_{reason}"
    article.canonical_url = stored.canonical_url  # the archive's key stays the key
    article.portal = stored.portal
    article.crawled_at = stored.fetched_at
    current = archive.article(stored.canonical_url) or {}
    if all(current.get(k) == v for k, v in stored_fields(article).items()):
        return "unchanged"
    outcome = archive.store(article, cause="reextract")
    return "revised" if outcome == "updated" else "refreshed"


def reextract(archive: Archive, portal: str | None = None) -> Counter[str]:
    """Re-run extraction over every article's newest raw page (of one portal, or all)."""
    counts: Counter[str] = Counter()
    after = 0
    while pages := archive.latest_pages(portal, after_id=after, limit=REEXTRACT_BATCH):
        for stored in pages:
            counts[reextract_one(archive, stored)] += 1
        archive.flush()
        after = pages[-1].article_id
    return counts


def cmd_reextract(args: argparse.Namespace) -> int:
    """Rebuild articles from their raw pages with the current extraction code."""
    if args.portal and known_portal(args.portal) is None:
        return fail(f"no portal description with id {args.portal!r}")
    with Archive(existing(args.db)) as archive:
        counts = reextract(archive, args.portal)
    total = sum(counts.values())
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no stored pages"
    print(f"reextracted {total} articles: {summary}")
    return 0


# -- export ---------------------------------------------------------------------------------


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One row per article; list fields (authors, tags, images) as JSON text."""
    writer: csv.DictWriter | None = None
    count = 0
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row))
            writer.writeheader()
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                         for k, v in row.items()})
        count += 1
    return count


class ExportTargetError(Exception):
    """`-o` names something export must not write to (a directory, a socket, a device)."""


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """Standard output; a FIFO or terminal at the path, written as a stream; else a regular
    file that appears only once it is complete. A symlink stays a symlink: the file it points
    to is written (replacing the link with a plain file would cut it from its target)."""
    if path in (None, "-"):
        yield sys.stdout
        return
    target = Path(path)
    try:
        mode = target.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ExportTargetError(f"cannot write to {path}: {exc}") from None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        with target.open("w", encoding="utf-8", newline="") as out:
            yield out
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise ExportTargetError(f"{path} is not a regular file: export writes files, FIFOs "
                                "or standard output")
    yield from _complete_file(target.resolve() if target.is_symlink() else target)


def _complete_file(target: Path) -> Iterator[IO[str]]:
    """A file written beside the target and renamed over it once complete."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)  # a leftover (or planted symlink) is never written through
    try:
        with partial.open("x", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def day(text: str) -> str:
    """argparse type: a calendar day, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def cmd_export(args: argparse.Namespace) -> int:
    """Stream articles (optionally of one portal, published in a range of days)."""
    writer = write_jsonl if args.format == "jsonl" else write_csv
    with open_for_reading(args.db) as archive, output(args.output) as out:
        count = writer(archive.iter_articles(args.portal, args.since, args.until), out)
    print(f"exported {count} articles", file=sys.stderr)
    return 0


# -- stats ----------------------------------------------------------------------------------

STATS_COLUMNS = (  # heading, key, width
    ("portal", "portal", 22), ("articles", "articles", 8), ("first", "first_published", 10),
    ("last", "last_published", 10), ("runs", "runs", 4), ("last run", "last_run", 16),
    ("finish", "last_run_finish", 9), ("errors", "errors", 6), ("dropped", "dropped", 7),
)


def stats_line(values: dict[str, Any]) -> str:
    cells = []
    for _, key, width in STATS_COLUMNS:
        value = values.get(key)
        text = "-" if value is None else str(value)
        if key in ("first_published", "last_published", "last_run"):
            text = text[:width].replace("T", " ")
        cells.append(text.rjust(width) if isinstance(value, int) else text.ljust(width))
    return " ".join(cells).rstrip()


def cmd_stats(args: argparse.Namespace) -> int:
    """Per portal: articles, first/last published, crawl runs, the last one, failures."""
    with open_for_reading(args.db) as archive:
        portals = archive.portal_stats()
        totals = {t: archive.count(t) for t in ("articles", "article_revisions", "pages",
                                                "crawl_runs")}
    if args.json:
        print(json.dumps({"portals": portals, "totals": totals}, ensure_ascii=False, indent=2))
        return 0
    print(stats_line({key: heading for heading, key, _ in STATS_COLUMNS}))
    for row in portals:
        print(stats_line(row))
    print(f"{totals['articles']} articles, {totals['article_revisions']} earlier versions, "
          f"{totals['pages']} raw pages, {totals['crawl_runs']} crawl runs "
          "(errors and dropped: all runs; a run without an end died or is still going)")
    return 0


# -- opening and parsers --------------------------------------------------------------------


def existing(db: str | None) -> Path:
    path = db_path(db)
    if not path.is_file():
        raise ArchiveError(f"no archive at {path} (crawl first, or give --db)")
    return path


def open_for_reading(db: str | None) -> Archive:
    """Read-only when the schema is current (no write lock; works on a published copy);
    an archive of an older schema is opened once for writing, which upgrades it in place."""
    path = existing(db)
    try:
        return Archive(path, readonly=True)
    except OutdatedSchema:
        return Archive(path)


def add_archive_commands(sub: argparse._SubParsersAction) -> None:
    """Register reextract, export and stats on the CLI's subparsers."""
    db_help = "archive path (default: $NEWSCRAWLER_DB or data/news.db)"

    p = sub.add_parser("reextract", help="rebuild stored articles from their raw pages")
    p.add_argument("--portal", help="only this portal's articles (its id)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=guarded(cmd_reextract))

    p = sub.add_parser("export", help="stream articles as JSON lines or CSV")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    p.add_argument("--portal", help="only this portal's articles (its id)")
    p.add_argument("--since", type=day, help="published on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", type=day, help="published on or before this day (YYYY-MM-DD)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=guarded(cmd_export))

    p = sub.add_parser("stats", help="per portal: articles, dates, crawl runs, failures")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=guarded(cmd_stats))


def guarded(command: Command) -> Command:
    """A command whose archive errors are one line on stderr, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (ArchiveError, SchemaError, ExportTargetError) as exc:
            return fail(str(exc))
        except BrokenPipeError:  # `newscrawler export | head`: the reader has enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0

    run.__doc__ = command.__doc__
    return run
