"""Item pipelines, in order: process -> dedupe -> store.

Thin on purpose: `ProcessPipeline` hands the fetched pages to `newscrawler.page.process_page`,
the one path `extract`, `reextract`, `eval` and `ingest-warc` take too, so one page gives one
answer everywhere. A dropped item is counted by its reason in the crawl stats
(`newscrawler/dropped/<reason>`) and logged at INFO (a listing page is no fault), never lost
silently.
"""

from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawler.items import Article, Fetched
from newscrawler.page import Drop, process_page
from newscrawler.portals import Portal, PortalError, get_portal
from newscrawler.storage import Archive

logger = logging.getLogger(__name__)


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
    """Writes articles and raw pages to the archive, batched; counts new/updated/unchanged.

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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        settings = self.crawler.settings
        self.archive = Archive(settings.get("NEWSCRAWLER_DB"),
                               batch_size=settings.getint("NEWSCRAWLER_BATCH_SIZE", 200))
        self.shared_run = settings.getint("NEWSCRAWLER_RUN_ID") or None
        spider = self.crawler.spider
        portal: Portal | None = getattr(spider, "portal", None)
        self.run_id = self.shared_run or self.archive.begin_run(
            [portal.id] if portal else [], spider=spider.name)

    def close_spider(self) -> None:
        """Write the last batch while the crawl can still log a failure."""
        if self.archive is not None:
            self.archive.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None:
            return
        try:
            if self.run_id is not None:
                self.archive.end_run(self.run_id,
                                     {**self.crawler.stats.get_stats(), "finish_reason": reason},
                                     shared=self.shared_run is not None, portal=spider.name)
        finally:
            self.archive.close()
        self.crawler.stats.set_value("newscrawler/db", str(self.archive.path))

    def process_item(self, item: Article) -> Article:
        assert self.archive is not None
        outcome = self.archive.store(item)
        self.crawler.stats.inc_value(f"newscrawler/articles/{outcome}")
        return item
