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

from newscrawler.errors import NewscrawlerError
from newscrawler.page import Drop, process_page
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
EXPORT_FORMATS = ("jsonl", "csv", "warc")
REEXTRACT_BATCH = 200


# -- reextract ------------------------------------------------------------------------------


def known_portal(portal_id: str | None) -> Portal | None:
    try:
        return get_portal(portal_id) if portal_id else None
    except PortalError:
        return None


def reextract_one(archive: Archive, stored: StoredPage) -> str:
    """Read an article's stored pages again (`process_page`, as the crawl did); what happened
    ("revised", "refreshed", "unchanged" or "skipped_<why>"). "revised": title or body
    changed, the old version kept as a revision; "refreshed": other fields changed."""
    result = process_page(stored.pages, request_url=stored.url,
                          portal=known_portal(stored.portal))
    if isinstance(result, Drop):
        logger.warning("reextract: %s is no longer read as an article (%s): kept as stored",
                       stored.canonical_url, result.reason)
        return f"skipped_{result.reason}"
    article = result
    article.canonical_url = stored.canonical_url  # the archive's key stays the key
    article.portal = stored.portal
    article.pages = []  # already stored
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
    with Archive(existing(args.db)) as archive:
        check_portal(archive, args.portal)
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


class ExportTargetError(NewscrawlerError):
    """`-o` names something export must not write to (a directory, a socket, a device)."""


@contextmanager
def output(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    """Standard output; a FIFO or terminal at the path, written as a stream; else a regular
    file that appears only once it is complete. A symlink stays a symlink: the file it points
    to is written (replacing the link with a plain file would cut it from its target)."""
    if path in (None, "-"):
        yield sys.stdout.buffer if binary else sys.stdout
        return
    target = Path(path)
    try:
        mode = target.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ExportTargetError(f"cannot write to {path}: {exc}") from None
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        with opened(target, "w", binary) as out:
            yield out
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise ExportTargetError(f"{path} is not a regular file: export writes files, FIFOs "
                                "or standard output")
    yield from _complete_file(target.resolve() if target.is_symlink() else target, binary)


def opened(path: Path, mode: str, binary: bool) -> IO[Any]:
    return path.open(mode + "b") if binary else path.open(mode, encoding="utf-8", newline="")


def _complete_file(target: Path, binary: bool) -> Iterator[IO[Any]]:
    """A file written beside the target and renamed over it once complete."""
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)  # a leftover (or planted symlink) is never written through
    try:
        with opened(partial, "x", binary) as out:
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


def write_warc(archive: Archive, args: argparse.Namespace, out: IO[bytes]) -> int:
    """Every raw page of the chosen articles as a WARC response record (gzip per record)."""
    from newscrawler.warc import WarcExport

    export = WarcExport(out)
    for page in archive.iter_pages(args.portal, args.since, args.until):
        export.write(page)
    return export.count


def cmd_export(args: argparse.Namespace) -> int:
    """Stream articles (optionally of one portal, published in a range of days), or their
    raw pages as WARC records."""
    with open_for_reading(args.db) as archive:
        check_portal(archive, args.portal)
        if args.format == "warc":
            with output(args.output, binary=True) as out:
                count, what = write_warc(archive, args, out), "raw pages as WARC records"
        else:
            writer = write_jsonl if args.format == "jsonl" else write_csv
            with output(args.output) as out:
                count = writer(archive.iter_articles(args.portal, args.since, args.until), out)
            what = "articles"
    print(f"exported {count} {what}", file=sys.stderr)
    return 0


# -- stats ----------------------------------------------------------------------------------

STATS_COLUMNS = (  # heading, key, width
    ("portal", "portal", 22), ("articles", "articles", 8), ("first", "first_published", 10),
    ("last", "last_published", 10), ("runs", "runs", 4), ("last run", "last_run", 16),
    ("outcome", "last_run_outcome", 8), ("errors", "errors", 6), ("dropped", "dropped", 7),
    ("why", "last_run_why", 0),
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
    """Per portal: articles, first/last published, crawl runs, the last one's outcome and
    why, errors and drops (the portal's own, all runs)."""
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
          "(outcome: the last run's; errors and dropped: all runs; a last run without an "
          "outcome died or is still going)")
    return 0


# -- opening and parsers --------------------------------------------------------------------


def existing(db: str | None) -> Path:
    path = db_path(db)
    if not path.is_file():
        raise ArchiveError(f"no archive at {path} (crawl first, or give --db)")
    return path


def check_portal(archive: Archive, portal_id: str | None) -> None:
    """`--portal`: a described portal or one the archive holds; else the same error (with the
    closest id) as every command gives."""
    if portal_id and not archive.db["portals"].count_where("id = ?", [portal_id]):
        get_portal(portal_id)


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
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("export", help="stream articles as JSON lines or CSV, raw pages as WARC")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    p.add_argument("--portal", help="only this portal's articles (its id)")
    p.add_argument("--since", type=day, help="published on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", type=day, help="published on or before this day (YYYY-MM-DD)")
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="per portal: articles, dates, crawl runs, failures")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db", help=db_help)
    p.set_defaults(func=cmd_stats)
