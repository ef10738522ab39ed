"""`newscrawler ingest-warc`: backfill the archive from WARC files (CC-NEWS, Heritrix, ...).

Each response record of a described portal's article URL (every HTML response with
`any_host`) goes the one path a crawled page goes, `process_page`: the record's WARC-Date is
when it was fetched, its HTTP headers are the response headers (their Date is "now" for
relative dates), and its raw page is kept with the article. Consecutive records of one article
(the pages of a multi-page article, as `export --format warc` writes them) are read together.

Reading WARCs is CPU-bound (decompress, parse, extract), unlike a polite crawl: worker
processes extract, this process reads the records and is the archive's one writer. At most a
few chunks of records are in flight, so memory stays flat whatever the WARC's size.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from warcio.statusandheaders import StatusAndHeaders

from newscrawler.items import Article, RawPage
from newscrawler.page import Drop, process_page, request_key
from newscrawler.portals import get_portal, load_portals, portal_for_url
from newscrawler.storage import Archive, db_path, now_iso
from newscrawler.urls import home_origin
from newscrawler.warc import Skip, WarcError, WarcReader, warc_files

logger = logging.getLogger(__name__)

CHUNK = 16  # records per task sent to a worker
IN_FLIGHT_PER_WORKER = 4  # chunks queued per worker: enough to keep it busy, memory flat
HTML_TYPES = ("text/html", "application/xhtml+xml")
OUTCOMES = ("new", "updated", "unchanged")
# Record faults (counted as errors of the run); every other skip is a page that is not wanted.
FAULTS = ("truncated", "bad_gzip_member", "bad_record", "revisit_unresolved", "extract_error")


@dataclass
class Job:
    """One article's page(s) for a worker: what the crawl would have fetched for it."""

    request_url: str
    portal: str | None
    pages: list[RawPage]


def read_jobs(jobs: list[Job]) -> list[Article | Drop]:
    """A worker's task: each job through the one path. The raw pages are not sent back (the
    writer still holds them); an unexpected failure is a counted drop, never a dead pool."""
    results: list[Article | Drop] = []
    for job in jobs:
        portal = get_portal(job.portal) if job.portal else None
        try:
            result = process_page(job.pages, request_url=job.request_url, portal=portal)
        except Exception as exc:  # one bad page must not stop an ingest of millions
            logger.exception("extracting %s failed", job.request_url)
            result = Drop("extract_error", job.request_url, repr(exc))
        if isinstance(result, Article):
            result.pages = []
        else:
            result = Drop(result.reason, result.url, result.detail)  # without what was read
        results.append(result)
    return results


@dataclass
class Filters:
    """Which records are read: hosts, the mirror origin, publication days."""

    any_host: bool = False
    mirror: str | None = None  # records served at MIRROR/<portal domain>/... are the portal's
    since: str | None = None
    until: str | None = None

    def request_url(self, url: str) -> str:
        """The portal's own URL of a record served by a local mirror (as `crawl --mirror`)."""
        if not self.mirror or not url.startswith(self.mirror + "/"):
            return url
        rest = url[len(self.mirror) + 1:]
        folder, _, path = rest.partition("/")
        for portal in load_portals().values():
            if folder == portal.domains[0]:
                return f"{home_origin(portal)}/{path}"
        return url

    def in_window(self, article: Article) -> bool:
        """Published within --since/--until (the portal's calendar day); undated ones are out
        when a window is given."""
        if not (self.since or self.until):
            return True
        day = (article.published or "")[:10]
        return bool(day) and (self.since or day) <= day <= (self.until or day)


@dataclass
class Tally:
    """What an ingest did: records read, articles stored by outcome, skips by reason."""

    records: int = 0
    pages: int = 0  # responses read as pages (the rest are skipped records)
    stored: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    quirks: int = 0
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=now_iso)

    @property
    def articles(self) -> int:
        return sum(self.stored.values())

    @property
    def rate(self) -> float:
        return self.records / max(time.monotonic() - self.started, 1e-9)

    def run_stats(self, finish_reason: str) -> dict[str, object]:
        """The figures as crawl stats, the form a `crawl_runs` row is made from: the pages
        read are the responses received, all of them good (the broken records are errors)."""
        stats: dict[str, object] = {"start_time": self.started_at,
                                    "response_received_count": self.pages,
                                    "downloader/response_status_count/200": self.pages,
                                    "finish_reason": finish_reason}
        for outcome, n in self.stored.items():
            stats[f"newscrawler/articles/{outcome}"] = n
        for reason, n in self.skipped.items():
            kind = "errors" if reason in FAULTS else "dropped"
            stats[f"newscrawler/{kind}/{reason}"] = n
        return stats

    def summary(self) -> str:
        stored = ", ".join(f"{o} {self.stored[o]}" for o in OUTCOMES)
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) or "none"
        quirks = f"; tolerated {self.quirks} records with a wrong Content-Length" \
            if self.quirks else ""
        return (f"{self.records} records in {time.monotonic() - self.started:.1f}s "
                f"({self.rate:.0f}/s): articles {stored}; skipped {skipped}{quirks}")


class Progress:
    """One line redrawn on a terminal (records, articles, rate); silent elsewhere."""

    def __init__(self, stream: TextIO, every: float = 0.5):
        self.stream = stream
        self.live = stream.isatty()
        self.every = every
        self.shown = 0.0

    def __call__(self, tally: Tally, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.live or (now - self.shown < self.every and not final):
            return
        self.shown = now
        end = "\n" if final else ""
        self.stream.write(f"\r\x1b[2K{tally.records} records, {tally.articles} articles, "
                          f"{tally.rate:.0f} records/s{end}")
        self.stream.flush()


class Ingest:
    """Reads WARC files into an archive: records screened here, extracted by workers, stored
    here in record order."""

    def __init__(self, archive: Archive, filters: Filters, workers: int = 0,
                 progress: Progress | None = None):
        self.archive = archive
        self.filters = filters
        self.workers = workers or os.cpu_count() or 1
        self.progress = progress
        self.tally = Tally()

    # -- which records ----------------------------------------------------------------------

    def screen(self, url: str, http: StatusAndHeaders) -> str | None:
        """Why a response is not read (other host, not HTML, not an article URL), or None."""
        status = http.get_statuscode()
        if status not in ("200", "304"):
            return f"http_{status}"
        kind = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
        if kind and kind not in HTML_TYPES:
            return "not_html"
        request_url = self.filters.request_url(url)
        portal = portal_for_url(request_url)
        if portal is None:
            return None if self.filters.any_host else "other_host"
        if not portal.is_article_url(request_key(request_url, portal)):
            return "not_article"
        return None

    def jobs(self, items: Iterable[RawPage | Skip]) -> Iterator[Job]:
        """Pages grouped into articles: consecutive pages of one article URL are one job."""
        current: Job | None = None
        key = ""
        for item in items:
            self.tally.records += 1
            if isinstance(item, Skip):
                self.tally.skipped[item.reason] += 1
                continue
            self.tally.pages += 1
            request_url = self.filters.request_url(item.url)
            portal = portal_for_url(request_url)
            page_key = request_key(request_url, portal)
            if current and page_key == key and all(p.url != item.url for p in current.pages):
                current.pages.append(item)
                continue
            if current:
                yield current
            current = None
            if is_later_page(request_url):  # alone, it would replace the whole article
                self.tally.skipped["later_page"] += 1
                continue
            current = Job(request_url, portal.id if portal else None, [item])
            key = page_key
        if current:
            yield current

    # -- running ----------------------------------------------------------------------------

    def run(self, files: list[Path]) -> Tally:
        """Ingest the files into the archive, as one `crawl_runs` row."""
        run_id = self.archive.begin_run([], spider="ingest-warc")
        finish = "interrupted"
        try:
            with WarcReader(self.screen) as reader:
                try:
                    self.extract_and_store(self.jobs(reader.read(files)))
                finally:
                    self.tally.quirks = reader.quirks
            finish = "finished"
        finally:
            self.archive.end_run(run_id, self.tally.run_stats(finish))
            if self.progress:
                self.progress(self.tally, final=True)
        return self.tally

    def extract_and_store(self, jobs: Iterable[Job]) -> None:
        if self.workers == 1:
            for chunk in chunks(jobs, CHUNK):
                self.store(chunk, read_jobs(chunk))
            return
        # Spawned, not forked: a fork copies locks other threads may hold (logging, a test's
        # server), and a worker would wait on them forever.
        with ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=log_like_the_writer,
                                 initargs=(logging.getLogger().getEffectiveLevel(),)) as pool:
            for chunk, results in in_order(pool, chunks(jobs, CHUNK),
                                           self.workers * IN_FLIGHT_PER_WORKER):
                self.store(chunk, results)

    def store(self, jobs: list[Job], results: list[Article | Drop]) -> None:
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, Drop):
                self.tally.skipped[result.reason] += 1
            elif not self.filters.in_window(result):
                self.tally.skipped["outside_window"] += 1
            else:
                self.keep(result, job.pages)
        if self.progress:
            self.progress(self.tally)

    def keep(self, article: Article, pages: list[RawPage]) -> None:
        """Store the article with its raw page(s), unless this very fetch is stored already."""
        first = pages[0]
        key = article.canonical_url or article.url
        if self.archive.has_page(key, first.url, first.fetched_at):
            self.tally.skipped["already_stored"] += 1
            return
        article.pages = pages
        self.tally.stored[self.archive.store(article)] += 1


def log_like_the_writer(level: int) -> None:
    """A spawned worker logs at the writer's level (its logging is not inherited)."""
    logging.basicConfig(level=level)


def is_later_page(url: str) -> bool:
    """A page 2, 3... of an article (`?page=N`), met without the pages before it."""
    pages = parse_qs(urlsplit(url).query).get("page", [])
    return any(value.isdigit() and int(value) > 1 for value in pages)


def chunks(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def in_order(pool: Executor, tasks: Iterable[list[Job]], limit: int
             ) -> Iterator[tuple[list[Job], list[Article | Drop]]]:
    """Each task with its results, in the order given, with at most `limit` tasks in flight
    (`Executor.map` would read the whole input ahead). A worker that dies (killed, out of
    memory) raises BrokenProcessPool here rather than leaving the ingest waiting."""
    waiting: deque[tuple[list[Job], Future[list[Article | Drop]]]] = deque()
    for task in tasks:
        waiting.append((task, pool.submit(read_jobs, task)))
        if len(waiting) >= limit:
            done, result = waiting.popleft()
            yield done, result.result()
    while waiting:
        done, result = waiting.popleft()
        yield done, result.result()


# -- the command -------------------------------------------------------------------------------


def cmd_ingest_warc(args: argparse.Namespace) -> int:
    """Read WARC files into the archive; 0 when read through, 1 when a file cannot be read."""
    if args.workers < 0:
        return fail("--workers must be 0 (every core) or more", 2)
    try:
        files = warc_files(args.paths)
    except WarcError as exc:
        return fail(str(exc), 2)
    if not files:
        return fail("no .warc or .warc.gz files in " + ", ".join(args.paths), 2)
    filters = Filters(any_host=args.any_host, since=args.since, until=args.until,
                      mirror=args.mirror.rstrip("/") if args.mirror else None)
    progress = Progress(sys.stderr)
    # Warnings per page (a portal's selectors falling back) would tear the progress line.
    logging.basicConfig(level=os.environ.get("NEWSCRAWLER_LOG_LEVEL")
                        or ("ERROR" if progress.live else "WARNING"))
    db = db_path(args.db)
    with Archive(db, batch_size=args.batch) as archive:
        ingest = Ingest(archive, filters, workers=args.workers, progress=progress)
        try:
            tally = ingest.run(files)
        except BrokenProcessPool:
            return fail("a worker process died (out of memory?); what was stored is kept, "
                        "run it again to go on")
        except OSError as exc:
            return fail(f"reading {exc.filename or 'a WARC file'}: {exc.strerror or exc}")
    print(f"ingested {len(files)} WARC files into {db}: {tally.summary()}")
    return 0


def add_ingest_warc(sub: argparse._SubParsersAction) -> None:
    """Register `ingest-warc` on the CLI's subparsers."""
    from newscrawler.archive_commands import day

    p = sub.add_parser("ingest-warc", help="backfill the archive from WARC files (CC-NEWS...)")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".warc / .warc.gz files or folders")
    p.add_argument("--any-host", action="store_true",
                   help="keep every HTML response, not only described portals' articles "
                        "(read by the generic extractor)")
    p.add_argument("--since", type=day, help="published on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", type=day, help="published on or before this day (YYYY-MM-DD)")
    p.add_argument("--workers", type=int, default=0,
                   help="extracting processes (default 0: one per core)")
    p.add_argument("--batch", type=int, default=200, help="articles per commit (default 200)")
    p.add_argument("--mirror", metavar="ORIGIN",
                   help="records of local mirrors served at ORIGIN/<portal domain> (as "
                        "`crawl --mirror`) are read as the portal's own pages")
    p.add_argument("--db", help="archive path (default: $NEWSCRAWLER_DB or data/news.db)")
    p.set_defaults(func=cmd_ingest_warc)


def fail(message: str, code: int = 1) -> int:
    print(f"newscrawler ingest-warc: {message}", file=sys.stderr)
    return code
