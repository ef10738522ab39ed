"""Item pipelines, in order: clean -> dates -> validate -> dedupe -> store.

Thin on purpose: each calls the module that does the job (boilerplate, dates, storage), so the
crawl and `newscrawler extract` give one answer. A dropped item is counted by its reason in the
crawl stats (`newscrawler/dropped/<reason>`), never lost silently.
"""

from __future__ import annotations

import logging
from datetime import datetime

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawler.dates import parse_http_date
from newscrawler.extract import clean_article, finish, why_not_article
from newscrawler.extract.dating import resolve_dates
from newscrawler.items import Article
from newscrawler.portals import Portal, PortalError, get_portal
from newscrawler.storage import Archive
from newscrawler.urls import canonical_url

logger = logging.getLogger(__name__)


def portal_of(article: Article) -> Portal | None:
    try:
        return get_portal(article.portal) if article.portal else None
    except PortalError:
        return None


def drop(crawler: Crawler, reason: str, article: Article) -> DropItem:
    crawler.stats.inc_value(f"newscrawler/dropped/{reason}")
    return DropItem(f"{reason}: {article.url}")


class StagePipeline:
    """A pipeline stage that needs the crawler (stats, settings)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StagePipeline:
        return cls(crawler)


class CleanPipeline(StagePipeline):
    """Boilerplate text rules on the paragraphs read from the page."""

    def process_item(self, item: Article) -> Article:
        return clean_article(item, portal_of(item))


class DatesPipeline(StagePipeline):
    """Published/modified read from the page's date strings; "now" is the response's Date."""

    def process_item(self, item: Article) -> Article:
        now: datetime | None = None
        if item.page is not None:
            now = parse_http_date(item.page.headers.get("Date"))
            item.crawled_at = item.page.fetched_at
        return resolve_dates(item, now=now, portal=portal_of(item))


class ValidatePipeline(StagePipeline):
    """Drops pages that are not articles (listing pages, empty bodies), counted by reason."""

    def process_item(self, item: Article) -> Article:
        finish(item)
        reason = why_not_article(item)
        if reason:
            item.drop_reason = reason
            raise drop(self.crawler, reason, item)
        return item


class DedupePipeline(StagePipeline):
    """One article per canonical URL and per content within a run (mirrors, syndication).

    The page's own canonical link is made canonical by our rules too (`newscrawler.urls`), so
    the archive's key is the key the crawler looks known articles up by."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.urls: set[str] = set()
        self.hashes: set[str] = set()

    def process_item(self, item: Article) -> Article:
        item.canonical_url = key = canonical_url(item.canonical_url or item.url)
        if key in self.urls:
            raise drop(self.crawler, "duplicate_url", item)
        if item.content_hash in self.hashes:
            raise drop(self.crawler, "duplicate_content", item)
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
