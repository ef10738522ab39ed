"""Scale-out on scrapy-redis: many crawler processes share one frontier; one writer ingests.

With NEWSCRAWLER_REDIS_URL set (see settings.py), every crawler process on every machine takes
its requests from one Redis queue and checks one Redis seen-set, so a URL is fetched once
whichever process finds it. Items run through the usual stages (clean, dates, validate, dedupe)
in the crawler and are then queued in Redis, not written: SQLite has one writer,
`newscrawler ingest`, which drains the queue into the archive with `Archive.store`.

Items travel as JSON, the raw page's bytes in base64 (readable with any Redis client, unlike
pickle, and safe to load). Ingest is batched and restartable: a batch is moved to a
processing list before it is stored and removed only after the archive committed it, so a
stopped ingest loses nothing; a page already in the archive (same article, URL and fetch time)
is not stored again, so a batch stored twice is stored once. What cannot be read is set aside
in a list of its own, counted, never dropped.

The seen-set belongs to a round (NEWSCRAWLER_REDIS_ROUND, default the current UTC hour): the
workers of one hourly run share it, the next run discovers afresh (and the incremental
middleware skips what is archived). The request queue outlives rounds: what a stopped round
left is crawled by the next.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections import Counter
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.spiders import Spider
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.pipelines import RedisPipeline

from newscrawler.items import Article, RawPage
from newscrawler.storage import Archive

logger = logging.getLogger(__name__)

ITEMS_KEY = "newscrawler:items"
INGESTING_KEY = "newscrawler:items:ingesting"
UNREADABLE_KEY = "newscrawler:items:unreadable"
RUNS_KEY = "newscrawler:runs"
ROUND_TTL_SECONDS = 2 * 86400
ARTICLE_FIELDS = tuple(f.name for f in fields(Article) if f.name != "pages")


# -- items on the wire ------------------------------------------------------------------------

def article_to_json(article: Article) -> bytes:
    """An article with its raw pages as one JSON document (the page bodies in base64)."""
    record: dict[str, Any] = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    record["pages"] = [{"url": page.url, "status": page.status, "fetched_at": page.fetched_at,
                        "headers": page.headers,
                        "body": base64.b64encode(page.body).decode("ascii")}
                       for page in article.pages]
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def article_from_json(data: bytes | str) -> Article:
    """The article `article_to_json` wrote. Raises ValueError for anything else."""
    try:
        record = json.loads(data)
        pages = record.pop("pages", [])
        article = Article(**{k: v for k, v in record.items() if k in ARTICLE_FIELDS})
        article.pages = [RawPage(**{**page, "body": base64.b64decode(page["body"])})
                         for page in pages]
    except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a queued article: {exc}") from exc
    if not isinstance(article.url, str):
        raise ValueError("not a queued article: no url")
    return article


# -- in the crawler processes -------------------------------------------------------------------

class RoundDupeFilter(RFPDupeFilter):
    """scrapy-redis' seen-set, one per spider and round; it expires two days after its round."""

    def __init__(self, server: redis.Redis, key: str, debug: bool = False):
        super().__init__(server, key, debug)
        self.expiry_set = False

    @classmethod
    def from_spider(cls, spider: Spider) -> RoundDupeFilter:
        settings = spider.settings
        round_id = settings.get("NEWSCRAWLER_REDIS_ROUND") or datetime.now(
            timezone.utc).strftime("%Y%m%dT%H")
        key = settings.get("SCHEDULER_DUPEFILTER_KEY") % {"spider": spider.name}
        return cls(connection.from_settings(settings), f"{key}:{round_id}",
                   settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: Any) -> bool:
        seen = super().request_seen(request)
        if not seen and not self.expiry_set:
            self.server.expire(self.key, ROUND_TTL_SECONDS)
            self.expiry_set = True
        return seen


class ItemQueuePipeline(RedisPipeline):
    """The last stage in a scaled-out crawler: the finished article goes to the Redis queue."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemQueuePipeline:
        pipeline = cls.from_settings(crawler.settings)
        pipeline.crawler = crawler
        return pipeline

    def process_item(self, item: Article) -> Article:  # type: ignore[override]
        self.server.rpush(self.item_key(item, self.crawler.spider), self.serialize(item))
        self.crawler.stats.inc_value("newscrawler/articles/queued")
        return item


class RedisWorker:
    """Keeps a worker on an empty shared frontier for NEWSCRAWLER_REDIS_IDLE seconds (others
    may still be adding to it) and leaves its run record for `ingest` when it closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.grace = crawler.settings.getfloat("NEWSCRAWLER_REDIS_IDLE", 15.0)
        self.server = connection.from_settings(crawler.settings)
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisWorker:
        return cls(crawler)

    def busy(self) -> None:
        self.idle_since = None

    def spider_idle(self) -> None:
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        record = {"spider": spider.name, "stats": self.crawler.stats.get_stats()}
        self.server.rpush(RUNS_KEY, json.dumps(record, default=str))


# -- the one writer -------------------------------------------------------------------------------

def connect(url: str) -> redis.Redis:
    server = redis.Redis.from_url(url)
    server.ping()
    return server


def already_stored(archive: Archive, article: Article) -> bool:
    if not article.pages:
        return False
    page = article.pages[0]
    return archive.has_page(article.canonical_url or article.url, page.url, page.fetched_at)


def take_batch(server: redis.Redis, size: int, wait: float) -> list[bytes]:
    """Move up to `size` items to the processing list (waiting up to `wait` s for the first)."""
    if wait > 0:
        first = server.blmove(ITEMS_KEY, INGESTING_KEY, wait, "LEFT", "RIGHT")
        if first is None:
            return []
    batch = server.lrange(INGESTING_KEY, 0, -1)
    while len(batch) < size:
        item = server.lmove(ITEMS_KEY, INGESTING_KEY, "LEFT", "RIGHT")
        if item is None:
            break
        batch.append(item)
    return batch


def store_batch(server: redis.Redis, archive: Archive, batch: list[bytes], counts: Counter
                ) -> None:
    """Store a batch in one archive commit, then drop it from the processing list."""
    seen: set[tuple[str, str, str]] = set()
    for raw in batch:
        try:
            article = article_from_json(raw)
        except ValueError as exc:
            server.rpush(UNREADABLE_KEY, raw)
            counts["unreadable"] += 1
            logger.warning("set aside an unreadable queued item (%s) in %s", exc, UNREADABLE_KEY)
            continue
        page = article.pages[0] if article.pages else None
        mark = (article.canonical_url or article.url, page.url if page else "",
                page.fetched_at if page else "")
        if (page is not None and mark in seen) or already_stored(archive, article):
            counts["already_stored"] += 1
            continue
        seen.add(mark)
        archive.store(article)
    archive.flush()
    counts.update(archive.take_outcomes())  # decided by the writes, not by the queueing
    server.delete(INGESTING_KEY)


def record_runs(server: redis.Redis, archive: Archive) -> int:
    """Write the crawl_runs rows the workers left (one per worker and spider)."""
    written = 0
    while (raw := server.lindex(RUNS_KEY, 0)) is not None:
        try:
            record = json.loads(raw)
            run_id = archive.begin_run([record["spider"]], spider=record["spider"])
            archive.end_run(run_id, record["stats"])
            written += 1
        except (ValueError, KeyError, TypeError) as exc:
            server.rpush(UNREADABLE_KEY, raw)
            logger.warning("set aside an unreadable run record (%s)", exc)
        server.lpop(RUNS_KEY)
    return written


def ingest(server: redis.Redis, archive: Archive, *, batch_size: int = 200,
           follow: bool = False, poll: float = 5.0) -> Counter:
    """Drain the item queue into the archive; with `follow`, keep waiting for more."""
    counts: Counter = Counter()
    while True:
        batch = take_batch(server, batch_size, poll if follow else 0)
        if batch:
            store_batch(server, archive, batch, counts)
            logger.info("ingested %d items (%s)", len(batch), dict(counts))
        counts["runs"] += record_runs(server, archive)
        if not batch and not follow:
            return counts
