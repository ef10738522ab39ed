"""Item pipelines, in order: process -> dedupe -> store.

Thin on purpose: `ProcessPipeline` hands the fetched pages to `newscrawler.page.process_page`,
the one path `extract`, `reextract`, `eval` and `ingest-warc` take too, so one page gives one
answer everywhere. A dropped item is counted by its reason in the crawl stats
(`newscrawler/dropped/<reason>`) and logged at INFO (a listing page is no fault), never lost
silently.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from newscrawler.items import Article, Fetched
from newscrawler.page import Drop, process_page
from newscrawler.portals import Portal, PortalError, get_portal
from newscrawler.storage import BUSY_TIMEOUT_S, Archive, ArchiveBusy

logger = logging.getLogger(__name__)
T = TypeVar("T")


def portal_named(portal_id: str | None) -> Portal | None:
    try:
        return get_portal(portal_id) if portal_id else None
    except PortalError:
        return None


def drop(crawler: Crawler, reason: str, url: str) -> DropItem:
    """Count a drop by its reason; expected drops are logged below WARNING."""
    crawler.stats.inc_value(f"newscrawler/dropped/{reason}")
    return DropItem(f"{reason}: {url}", log_level="INFO")


class StagePipeline:
    """A pipeline stage that needs the crawler (stats, settings)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StagePipeline:
        return cls(crawler)


class ProcessPipeline(StagePipeline):
    """Fetched pages in, an Article out (or a counted drop): `process_page`."""

    def process_item(self, item: Fetched) -> Article:
        result = process_page(item.pages, request_url=item.request_url,
                              portal=portal_named(item.portal))
        if isinstance(result, Drop):
            raise drop(self.crawler, result.reason, str(result))
        return result


class DedupePipeline(StagePipeline):
    """One article per archive key and per content within a run (mirrors, syndication)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.urls: set[str] = set()
        self.hashes: set[str] = set()

    def process_item(self, item: Article) -> Article:
        key = item.canonical_url or item.url
        if key in self.urls:
            raise drop(self.crawler, "duplicate_url", key)
        if item.content_hash in self.hashes:
            raise drop(self.crawler, "duplicate_content", key)
        self.urls.add(key)
        self.hashes.add(item.content_hash or "")
        return item


class StorePipeline(StagePipeline):
    """Writes articles and raw pages to the archive, batched; counts new/updated/unchanged as
    the archive's writes decided them (not as they looked when queued).

    Every archive call runs on one thread of its own, in order (one writer): a flush waiting
    for another writer's lock (NEWSCRAWLER_BUSY_TIMEOUT) holds up only the items behind it,
    never the crawl's fetching. A batch that found the archive locked stays queued and is
    tried again; after NEWSCRAWLER_ARCHIVE_WAIT seconds of trying the crawl closes as
    `archive_locked`, its queue written at the close if the lock is free by then.

    Each run is one row of `crawl_runs`: opened with the spider, so a crawl that dies still
    shows (without an end), and closed when the spider has closed, with the crawl's stats and
    the reason it finished. Crawls started together (`newscrawler crawl a b`, the demo) share
    the row their runner opened (setting NEWSCRAWLER_RUN_ID), each adding its figures.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.shared_run: int | None = None
        self.writer = ThreadPool(minthreads=1, maxthreads=1, name="archive-writer")
        self.max_wait = crawler.settings.getfloat("NEWSCRAWLER_ARCHIVE_WAIT", 600.0)
        self.locked_out = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _on_writer(self, call: Callable[..., T], *args: Any) -> Deferred[T]:
        from twisted.internet import reactor

        return threads.deferToThreadPool(reactor, self.writer, call, *args)

    async def open_spider(self) -> None:
        """Open the archive (no write lock unless it migrates) and, behind it on the writer
        thread, the run's row: a lock held by another writer does not hold up the crawl. (An
        archive to migrate waits for the lock before the crawl starts, up to
        NEWSCRAWLER_ARCHIVE_WAIT.)"""
        from twisted.internet import reactor

        settings = self.crawler.settings
        self.writer.start()
        reactor.addSystemEventTrigger("during", "shutdown", self._stop_writer)
        self.archive = await maybe_deferred_to_future(self._on_writer(
            self._patiently, partial(
                Archive, settings.get("NEWSCRAWLER_DB"),
                settings.getint("NEWSCRAWLER_BATCH_SIZE", 200),
                busy_timeout=settings.getfloat("NEWSCRAWLER_BUSY_TIMEOUT", BUSY_TIMEOUT_S))))
        self.shared_run = settings.getint("NEWSCRAWLER_RUN_ID") or None
        if self.shared_run:
            self.run_id = self.shared_run
            return
        spider = self.crawler.spider
        portal: Portal | None = getattr(spider, "portal", None)
        begun = self._on_writer(self._begin_run, [portal.id] if portal else [], spider.name)
        begun.addErrback(self._locked_out)

    def _begin_run(self, portals: list[str], spider_name: str) -> None:
        """On the writer thread, so that every later call there sees the run's id."""
        assert self.archive is not None
        self.run_id = self._patiently(partial(self.archive.begin_run, portals,
                                              spider=spider_name))

    def _patiently(self, call: Callable[[], T]) -> T:
        """`call()`, tried again while another writer holds the lock, up to max_wait seconds."""
        deadline = time.monotonic() + self.max_wait
        while True:
            try:
                return call()
            except ArchiveBusy as exc:
                if time.monotonic() >= deadline:
                    raise
                logger.warning("%s: trying again", exc)
                self._from_writer(self.crawler.stats.inc_value, "newscrawler/archive/busy")

    @staticmethod
    def _from_writer(call: Callable[..., Any], *args: Any) -> None:
        """Stats and the engine belong to the reactor's thread."""
        from twisted.internet import reactor

        reactor.callFromThread(call, *args)

    def _locked_out(self, failure: Failure) -> None:
        failure.trap(ArchiveBusy)
        if self.locked_out:
            return
        self.locked_out = True
        logger.error("%s for %.0f s: closing the crawl", failure.value, self.max_wait)
        self.crawler.stats.inc_value("newscrawler/archive/locked_out")
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_locked"))

    def _count(self, outcomes: Counter[str]) -> None:
        for outcome, n in outcomes.items():
            self.crawler.stats.inc_value(f"newscrawler/articles/{outcome}", n)

    def _store(self, item: Article) -> Counter[str]:
        assert self.archive is not None
        self.archive.store(item)
        return self.archive.take_outcomes()

    def _flush(self) -> Counter[str]:
        assert self.archive is not None
        self.archive.flush()
        return self.archive.take_outcomes()

    async def process_item(self, item: Article) -> Article:
        try:
            self._count(await maybe_deferred_to_future(self._on_writer(self._store, item)))
        except ArchiveBusy:
            self._locked_out(Failure())
        return item

    async def close_spider(self) -> None:
        """Write the last batch while the crawl can still log a failure."""
        if self.archive is not None:
            self._count(await maybe_deferred_to_future(self._on_writer(self._last_flush)))

    def _last_flush(self) -> Counter[str]:
        assert self.archive is not None
        try:
            return self._patiently(self._flush)
        except ArchiveBusy as exc:
            logger.error("%s: %d articles not stored (the next crawl fetches them again)",
                         exc, self.archive.pending)
            self._from_writer(self.crawler.stats.inc_value, "newscrawler/archive/not_stored",
                              self.archive.pending)
            return Counter()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None:
            return
        try:
            await maybe_deferred_to_future(self._on_writer(self._end, reason))
        finally:
            self._stop_writer()
        self.crawler.stats.set_value("newscrawler/db", str(self.archive.path))

    def _stop_writer(self) -> None:
        """At the spider's close, or at the reactor's shutdown when the spider never opened."""
        if self.writer.started and not self.writer.joined:
            self.writer.stop()

    def _end(self, reason: str) -> None:
        """Close the run with the crawl's stats, then the archive (on the writer thread)."""
        assert self.archive is not None
        try:
            if self.run_id is not None and not self.archive.pending:  # else: still locked
                stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
                self._patiently(partial(self.archive.end_run, self.run_id, stats,
                                        shared=self.shared_run is not None,
                                        portal=self.crawler.spider.name))
        except ArchiveBusy as exc:
            logger.error("%s: the run's figures are not stored", exc)
        finally:
            self.archive.close(write_pending=False)  # _last_flush wrote them, or could not
