"""Discovery under hostile input (issue 13): big sitemaps and listings streamed, gzip bombs,
broken entries, oversize responses and redirect chains counted under their own reasons."""

from __future__ import annotations

import asyncio
import gzip

import pytest
from scrapy import Request
from scrapy.exceptions import CloseSpider, DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawler.demo.server import serve
from newscrawler.spiders.loader import spider_class
from newscrawler.spiders.portal import failure_reason

from .conftest import run_cli
from .ops_site import make_stories, sitemap, write_site
from .test_discovery import NS, make_spider, stat, xml

ARTICLE = "https://www.aksi.id/nasional/kabar-warga-nomor-{}-hari-ini"


def big_urlset(count: int) -> str:
    rows = "".join(f"<url><loc>{ARTICLE.format(n)}</loc></url>" for n in range(count))
    return f"<urlset {NS}>{rows}</urlset>"


class FakeEngine:
    """What the feeder uses of Scrapy's engine: its scheduler's size and `crawl`."""

    def __init__(self) -> None:
        self.scheduler: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.scheduler.append(request)


def test_big_sitemap_yields_its_first_requests_and_feeds_the_rest_with_room() -> None:
    spider = make_spider()
    spider.feeder.max_pending = 300
    spider.feeder.schedule = lambda delay: None  # driven by hand below
    spider.crawler.engine = engine = FakeEngine()
    inline = list(spider.parse_sitemap(xml("https://www.aksi.id/s.xml", big_urlset(2500))))
    assert len(inline) == spider.INLINE_REQUESTS
    with pytest.raises(DontCloseSpider):  # the spider stays open while entries are unread
        spider.feeder.keep_open()
    fed: list[Request] = []
    while spider.feeder.sources:
        spider.feeder.feed()
        assert len(engine.scheduler) <= spider.feeder.max_pending
        fed += engine.scheduler
        engine.scheduler.clear()  # the downloader takes them
    urls = [r.meta["article_url"] for r in inline + fed]
    assert urls == [ARTICLE.format(n) for n in range(2500)]
    spider.feeder.keep_open()  # all read: the spider may close


def test_big_listing_page_is_streamed_too() -> None:
    spider = make_spider()
    spider.feeder.schedule = lambda delay: None
    links = "".join(f'<a href="{ARTICLE.format(n)}">{n}</a>' for n in range(1500))
    inline = list(spider.parse_listing(xml("https://www.aksi.id/", links)))
    assert len(inline) == spider.INLINE_REQUESTS and len(spider.feeder.sources) == 1


def test_gzip_bomb_sitemap_is_too_large_not_bad() -> None:
    cls = spider_class(make_spider().portal)
    spider = cls.from_crawler(get_crawler(cls, {"DOWNLOAD_MAXSIZE": 20 * 1024 * 1024}))
    bomb = gzip.compress(f"<urlset {NS}>".encode() + b" " * 30_000_000)
    response = xml("https://www.aksi.id/sitemap.xml.gz", bomb)
    assert list(spider.parse_sitemap(response)) == []
    assert stat(spider, "errors/too_large") == 1 and stat(spider, "errors/bad_sitemap") == 0


def test_malformed_urlset_entries_are_counted() -> None:
    spider = make_spider()
    body = (f"<urlset {NS}><url><loc>{ARTICLE.format(1)}</loc></url><url><lastmod>2020-11-25"
            f"</lastmod></url><url><loc>http://[x/y</loc></url><url><loc>  </loc></url>"
            f"<url><loc>{ARTICLE.format(2)}</loc></url></urlset>")
    urls = [r.meta["article_url"] for r in spider.parse_sitemap(xml("https://www.aksi.id/s.xml",
                                                                    body))]
    assert urls == [ARTICLE.format(1), ARTICLE.format(2)]
    assert stat(spider, "dropped/bad_sitemap_entry") == 3


def failed(exc: Exception, request: Request | None = None) -> Failure:
    failure = Failure(exc)
    failure.request = request or Request("https://www.aksi.id/nasional/kabar")
    return failure


def test_oversize_response_is_too_large() -> None:
    message = ("Received 30000000 bytes which is larger than download max size (20971520) in "
               "request <GET https://www.aksi.id/nasional/kabar>.")
    assert failure_reason(failed(DownloadCancelledError(message))) == "too_large"
    bomb = ("Ignored response <200 https://www.aksi.id/x> because its body (30000 B compressed, "
            "20971600 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (20971520 B) during "
            "decompression.")
    assert failure_reason(failed(IgnoreRequest(bomb))) == "too_large"


def test_long_chain_of_distinct_redirects_is_not_a_loop() -> None:
    chain = [f"https://www.aksi.id/r/{n}" for n in range(20)]
    hop = Request("https://www.aksi.id/r/20", meta={"redirect_urls": chain})
    assert failure_reason(failed(IgnoreRequest("max redirections reached"), hop)) == (
        "too_many_redirects")
    back = Request(chain[3], meta={"redirect_urls": chain})
    assert failure_reason(failed(IgnoreRequest("max redirections reached"), back)) == (
        "redirect_loop")


def test_bad_start_urls_close_the_spider_as_a_usage_error() -> None:
    spider = make_spider(start_urls="foo, http://[x ,https://www.aksi.id/")
    assert spider.entry_urls == ["https://www.aksi.id/"]

    async def first_request() -> None:
        await spider.start().__anext__()

    with pytest.raises(CloseSpider) as closed:
        asyncio.run(first_request())
    assert closed.value.reason == "usage_error"


@pytest.mark.slow
def test_a_big_sitemap_is_crawled_whole_through_the_feeder(tmp_path) -> None:
    """A real crawl with a small scheduler bound: every entry past the inline ones is fed."""
    stories = make_stories(1300)
    root = write_site(tmp_path / "site", stories[:2])
    (root / "aksi.id" / "wp-sitemap-posts-post-1.xml").write_text(sitemap(stories),
                                                                   encoding="utf-8")
    with serve(root) as origin:
        result = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(tmp_path / "n.db"),
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", "NEWSCRAWLER_MAX_PENDING=100", "-s", "CONCURRENT_REQUESTS=32",
                         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32", timeout=300)
    line = next(row for row in result.stdout.splitlines() if row.startswith("aksi "))
    assert "http_404=1298" in line, line + result.stderr[-2000:]


def test_spider_class_still_builds_from_a_crawler() -> None:
    cls = spider_class(make_spider().portal)
    spider = cls.from_crawler(get_crawler(cls))
    assert spider.feeder.max_pending == 5000
