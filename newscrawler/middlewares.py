"""Downloader middleware for incremental crawls: what the archive holds is not fetched again.

An article request (one with `article_url` in its meta: its key, `newscrawler.page.request_key`)
is looked up in the archive, read-only, by the URL articles were asked for and by their key.
Unknown: fetched. Known: skipped (`newscrawler/skipped/known`), unless a revalidation is due:
the article is recent and one of its checkpoints (NEWSCRAWLER_REFETCH_AFTER, by default 1 h, 6 h
and 24 h after publication, or after it was first seen when it has no date) has passed since it
was last fetched, or its sitemap lastmod is newer than that fetch. A due
article is asked for with `If-None-Match` / `If-Modified-Since` from its last page; a 304
counts as unchanged (`newscrawler/articles/unchanged`) and nothing is stored.

A checkpoint stays due for NEWSCRAWLER_REFETCH_WINDOW seconds (default two hours: set it to
about the interval between runs): a checkpoint missed by every run is skipped rather than
fetched late, and a 304, which leaves no trace in the archive, is not asked again forever.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawler.spiders.portal import SkipRequest
from newscrawler.storage import Archive, ArchiveError, FetchRecord, db_path

logger = logging.getLogger(__name__)

def read_time(text: str | None) -> datetime | None:
    """An ISO 8601 time from the archive, made aware (UTC when it has no offset)."""
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class KnownArticle:
    """What the archive knows of an article: enough to decide whether to fetch it again."""

    anchor: datetime  # publication, else first seen: the refetch schedule counts from it
    last_fetch: datetime
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class RefetchPolicy:
    after: tuple[timedelta, ...]
    window: timedelta

    def due(self, known: KnownArticle, now: datetime, lastmod: datetime | None = None) -> bool:
        """True when the article should be fetched again (conditionally)."""
        if lastmod is not None and lastmod > known.last_fetch:
            return True
        for after in sorted(self.after, reverse=True):
            checkpoint = known.anchor + after
            if checkpoint <= now:
                return known.last_fetch < checkpoint and now - checkpoint < self.window
        return False


class ArchiveIndex:
    """The archive opened read-only, for lookups by archive key. Until the file exists (or
    while it cannot be read: an older schema the store has not upgraded yet), it knows
    nothing and every article is fetched."""

    def __init__(self, path: Path):
        self.path = path
        self.archive: Archive | None = None

    def _archive(self) -> Archive | None:
        if self.archive is None and self.path.exists():
            try:
                self.archive = Archive(self.path, readonly=True)
            except (ArchiveError, sqlite3.Error) as exc:
                logger.debug("archive %s not readable yet: %s", self.path, exc)
        return self.archive

    def lookup(self, key: str) -> KnownArticle | None:
        archive = self._archive()
        if archive is None:
            return None
        try:
            record = archive.fetch_record(key)
        except sqlite3.Error as exc:  # damaged, or a schema this code does not know
            logger.debug("archive lookup failed for %s: %s", key, exc)
            return None
        return known_article(record) if record else None

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None


def known_article(record: FetchRecord) -> KnownArticle | None:
    """When the article was published (else first seen) and last fetched, and its validators."""
    published, first_seen, last_seen, fetched = (
        read_time(t) for t in (record.published, record.first_seen, record.last_seen,
                               record.last_fetched_at))
    last_fetch = max((t for t in (last_seen, fetched) if t), default=None)
    anchor = published or first_seen or last_fetch
    if anchor is None or last_fetch is None:
        return None
    return KnownArticle(anchor, last_fetch, record.headers.get("ETag"),
                        record.headers.get("Last-Modified"))


def read_durations(values: list[str]) -> tuple[timedelta, ...]:
    """'1h', '6h', '24h', '30m', '2d' or plain seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    out = []
    for value in values:
        value = str(value).strip().lower()
        unit = units.get(value[-1:])
        number = value[:-1] if unit else value
        try:
            out.append(timedelta(seconds=float(number) * (unit or 1)))
        except ValueError:
            raise ValueError(f"NEWSCRAWLER_REFETCH_AFTER: not a duration: {value!r}") from None
    return tuple(out)


class IncrementalMiddleware:
    """Skips archived articles; revalidates recent ones with conditional requests."""

    def __init__(self, crawler: Crawler, index: ArchiveIndex, policy: RefetchPolicy):
        self.stats = crawler.stats
        self.index = index
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("NEWSCRAWLER_INCREMENTAL", True):
            raise NotConfigured
        policy = RefetchPolicy(
            after=read_durations(settings.getlist("NEWSCRAWLER_REFETCH_AFTER")),
            window=timedelta(seconds=settings.getfloat("NEWSCRAWLER_REFETCH_WINDOW")),
        )
        middleware = cls(crawler, ArchiveIndex(db_path(settings.get("NEWSCRAWLER_DB"))), policy)
        crawler.signals.connect(middleware.index.close, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        canonical = request.meta.get("article_url")
        if not canonical or request.meta.get("revalidate") is not None:
            return
        known = self.index.lookup(canonical)
        if known is None:
            request.meta["revalidate"] = False
            return
        now = datetime.now(timezone.utc)
        if not self.policy.due(known, now, read_time(request.meta.get("lastmod"))):
            self.stats.inc_value("newscrawler/skipped/known")
            raise SkipRequest(f"already archived: {canonical}")
        self.stats.inc_value("newscrawler/revalidated/asked")
        request.meta["revalidate"] = True
        if known.etag:
            request.headers["If-None-Match"] = known.etag
        if known.last_modified:
            request.headers["If-Modified-Since"] = known.last_modified

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and request.meta.get("revalidate"):
            self.stats.inc_value("newscrawler/revalidated/not_modified")
            self.stats.inc_value("newscrawler/articles/unchanged")
            raise SkipRequest(f"not modified: {request.meta['article_url']}")
        return response
