"""Incremental crawls: archived articles are not fetched again; recent ones are revalidated at
their checkpoints with If-None-Match / If-Modified-Since, and a 304 counts as unchanged."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newscrawler.demo.server import serve
from newscrawler.items import Article, RawPage
from newscrawler.middlewares import (
    ArchiveIndex,
    IncrementalMiddleware,
    KnownArticle,
    RefetchPolicy,
    read_durations,
)
from newscrawler.spiders.portal import SkipRequest
from newscrawler.storage import Archive

from .conftest import run_cli
from .ops_site import (
    WIB,
    Story,
    counted,
    headers_visible_to_routes,
    request_header,
    write_site,
)

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)
POLICY = RefetchPolicy(after=read_durations(["1h", "6h", "24h"]), window=timedelta(hours=2))
HOUR = timedelta(hours=1)


def known(published_ago: timedelta, fetched_ago: timedelta) -> KnownArticle:
    return KnownArticle(anchor=NOW - published_ago, last_fetch=NOW - fetched_ago)


@pytest.mark.parametrize("published_ago, fetched_ago, due", [
    (0.5 * HOUR, 0.4 * HOUR, False),  # before the first checkpoint
    (1.5 * HOUR, 1.4 * HOUR, True),  # 1 h checkpoint passed since the last fetch
    (1.5 * HOUR, 0.2 * HOUR, False),  # ...but fetched after it
    (7 * HOUR, 2 * HOUR, True),  # 6 h checkpoint
    (25 * HOUR, 20 * HOUR, True),  # 24 h checkpoint
    (30 * HOUR, 20 * HOUR, False),  # the 24 h checkpoint's window has closed
    (400 * 24 * HOUR, 300 * 24 * HOUR, False),  # an old article: never again
])
def test_refetch_schedule(published_ago, fetched_ago, due):
    assert POLICY.due(known(published_ago, fetched_ago), NOW) is due


def test_a_newer_sitemap_lastmod_makes_any_article_due():
    old = known(400 * 24 * HOUR, 300 * 24 * HOUR)
    assert POLICY.due(old, NOW, lastmod=NOW - HOUR)
    assert not POLICY.due(old, NOW, lastmod=NOW - 301 * 24 * HOUR)


def test_durations():
    assert read_durations(["90", "30m", "6h", "2d"]) == (
        timedelta(seconds=90), timedelta(minutes=30), timedelta(hours=6), timedelta(days=2))
    with pytest.raises(ValueError, match="not a duration"):
        read_durations(["sejam"])


def stored(db: Path, url: str, published: datetime | None, etag: str | None) -> None:
    article = Article(url=url, canonical_url=url, portal="aksi", title="Judul", body="Isi",
                      published=published.isoformat() if published else None,
                      content_hash="h-" + url)
    article.pages = [RawPage(url=url, status=200, fetched_at=datetime.now(timezone.utc).isoformat(),
                           body=b"<html></html>", headers={"ETag": etag} if etag else {})]
    with Archive(db) as archive:
        archive.store(article)


def age_archive(db: Path, by: timedelta) -> None:
    """As if everything in the archive had been fetched `by` earlier than it was."""
    then = (datetime.now(timezone.utc) - by).isoformat(timespec="seconds")
    with sqlite3.connect(db) as conn:
        conn.execute("update articles set first_seen = ?, last_seen = ?", (then, then))
        conn.execute("update pages set fetched_at = ?", (then,))


def middleware(db: Path) -> IncrementalMiddleware:
    return IncrementalMiddleware(get_crawler(), ArchiveIndex(db), POLICY)


def article_request(url: str) -> Request:
    return Request(url, meta={"article_url": url})


def test_middleware_skips_known_and_asks_recent_ones_conditionally(tmp_path):
    db = tmp_path / "news.db"
    now = datetime.now(timezone.utc)
    stored(db, "https://www.aksi.id/nasional/lama-sekali", datetime(2020, 11, 1, tzinfo=WIB), None)
    stored(db, "https://www.aksi.id/nasional/baru-saja", now - 2 * HOUR, '"v1"')
    age_archive(db, 1.5 * HOUR)
    mw = middleware(db)

    unknown = article_request("https://www.aksi.id/nasional/belum-pernah")
    assert mw.process_request(unknown) is None and unknown.meta["revalidate"] is False
    listing = Request("https://www.aksi.id/")
    assert mw.process_request(listing) is None and "revalidate" not in listing.meta
    with pytest.raises(SkipRequest):
        mw.process_request(article_request("https://www.aksi.id/nasional/lama-sekali"))
    recent = article_request("https://www.aksi.id/nasional/baru-saja")
    assert mw.process_request(recent) is None
    assert recent.headers["If-None-Match"] == b'"v1"' and recent.meta["revalidate"] is True

    with pytest.raises(SkipRequest):
        mw.process_response(recent, Response(recent.url, status=304, request=recent))
    changed = Response(recent.url, status=200, request=recent)
    assert mw.process_response(recent, changed) is changed
    stats = mw.stats.get_stats()
    assert stats["newscrawler/skipped/known"] == 1
    assert stats["newscrawler/revalidated/asked"] == 1
    assert stats["newscrawler/revalidated/not_modified"] == 1
    assert stats["newscrawler/articles/unchanged"] == 1


def test_no_archive_yet_means_nothing_is_known(tmp_path):
    request = article_request("https://www.aksi.id/nasional/apa-saja")
    assert middleware(tmp_path / "belum-ada.db").process_request(request) is None


@pytest.mark.slow
def test_second_crawl_fetches_only_what_is_new_or_due(tmp_path):
    now = datetime.now(WIB).replace(microsecond=0)
    unchanged, corrected = Story(1, now - 2 * HOUR), Story(2, now - 2 * HOUR)
    old, fresh = Story(3, datetime(2020, 11, 3, 9, 0, tzinfo=WIB)), Story(4, now)
    version = {s.slug: 1 for s in (unchanged, corrected, old, fresh)}
    asked_with: dict[str, str | None] = {}

    def answer(story: Story) -> tuple[int, dict[str, str], bytes]:
        etag = f'"{story.slug}-{version[story.slug]}"'
        asked_with[story.slug] = request_header("If-None-Match")
        if request_header("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        body = story.html(corrected=version[story.slug] > 1).encode()
        return 200, {"Content-Type": "text/html", "ETag": etag,
                     "Last-Modified": "Fri, 10 May 2024 10:00:00 GMT"}, body

    root = write_site(tmp_path / "site", [unchanged, corrected, old])
    routes, hits = counted(root, [unchanged, corrected, old, fresh], answer=answer)
    db = tmp_path / "news.db"
    fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
    with headers_visible_to_routes(), serve(root, routes) as origin:
        first = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), *fast)
        assert first.returncode == 0 and "added 3," in first.stdout, first.stdout + first.stderr
        age_archive(db, 1.5 * HOUR)  # the first crawl was half an hour after publication
        version[corrected.slug] = 2  # the portal corrected one article since
        write_site(root, [unchanged, corrected, old, fresh])
        hits.clear()
        asked_with.clear()
        second = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), *fast)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "added 1, updated 1, unchanged 1, known (not fetched) 1," in second.stdout
    assert old.slug not in hits  # archived and old: not even asked
    assert asked_with[unchanged.slug] == f'"{unchanged.slug}-1"'  # conditional request
    assert asked_with[corrected.slug] == f'"{corrected.slug}-1"'
    assert asked_with[fresh.slug] is None
    with Archive(db) as archive:
        assert archive.count("articles") == 4
        assert len(archive.revisions(corrected.canonical)) == 1  # the correction is kept
