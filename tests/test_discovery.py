"""Discovery: sitemap indexes, Google News sitemaps, RSS/Atom/RDF feeds, listing pages,
index-by-date pages and backfill windows, read by the portal spider from real responses."""

from __future__ import annotations

import gzip
from datetime import date, datetime

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newscrawler.portals import PortalError, get_portal, portal_from_dict
from newscrawler.spiders.loader import spider_class
from newscrawler.spiders.portal import DateWindow, backfill_window, index_page_url

from .conftest import run_cli
from .ops_site import make_stories, write_site

MIRROR = "http://127.0.0.1:8000/aksi.id"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
INDEX_PORTAL = {
    "id": "kabarharian", "name": "Kabar Harian", "domains": ["kabarharian.id"],
    "discovery": {"index_by_date": "https://www.kabarharian.id/indeks?date={date:%Y-%m-%d}",
                  "feeds": ["https://www.kabarharian.id/rss"],
                  "start_urls": ["https://www.kabarharian.id/"], "follow": [r"/indeks\?.*page="]},
    "article_urls": {"allow": [r"/berita/\d+/[\w-]+$"]},
}


def make_spider(portal=None, **arguments):
    portal = portal or get_portal("aksi")
    cls = spider_class(portal)
    return cls.from_crawler(get_crawler(cls), **arguments)


def stat(spider, name):
    return spider.crawler.stats.get_value(f"newscrawler/{name}", 0)


def xml(url, body: str | bytes, cls=XmlResponse):
    """A response as the spider gets it (tied to its request)."""
    data = body.encode() if isinstance(body, str) else body
    return cls(url=url, body=data, encoding="utf-8", request=Request(url))


def urlset(*entries):
    rows = "".join(f"<url><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</url>"
                   for loc, mod in entries)
    return f'<?xml version="1.0"?><urlset {NS}>{rows}</urlset>'


def test_sitemap_index_leads_to_sitemaps_and_articles_by_canonical_url():
    spider = make_spider(site=MIRROR)
    index = (f'<sitemapindex {NS}><sitemap><loc>{MIRROR}/wp-sitemap-posts-post-1.xml</loc>'
             f"</sitemap></sitemapindex>")
    [child] = list(spider.parse_sitemap(xml(f"{MIRROR}/wp-sitemap.xml", index)))
    assert child.url == f"{MIRROR}/wp-sitemap-posts-post-1.xml"
    assert child.callback == spider.parse_sitemap and child.errback == spider.on_error
    body = urlset((f"{MIRROR}/nasional/petani-kopi-panen-raya/?utm_source=x", "2020-11-24"),
                  (f"{MIRROR}/category/nasional/", None))
    [article] = list(spider.parse_sitemap(xml(child.url, body)))
    assert article.url == f"{MIRROR}/nasional/petani-kopi-panen-raya"  # fetched on the mirror
    assert article.meta["article_url"] == "https://www.aksi.id/nasional/petani-kopi-panen-raya"
    assert article.meta["lastmod"] == "2020-11-24"


def test_google_news_sitemap_and_gzip():
    spider = make_spider()
    news = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
            "<loc>https://www.aksi.id/nasional/banjir-rob-genangi-pesisir-demak/</loc>"
            "<news:news><news:publication><news:name>Aksi.id</news:name>"
            "<news:language>id</news:language></news:publication>"
            "<news:publication_date>2020-11-25T08:00:00+07:00</news:publication_date>"
            "<news:title>Banjir Rob Genangi Pesisir Demak</news:title></news:news></url></urlset>")
    response = xml("https://www.aksi.id/news-sitemap.xml.gz", gzip.compress(news.encode()),
                   TextResponse)
    [article] = list(spider.parse_sitemap(response))
    assert article.meta["article_url"] == "https://www.aksi.id/nasional/banjir-rob-genangi-pesisir-demak"


def test_backfill_reads_sitemap_lastmod():
    spider = make_spider(since="2020-11-05", until="2020-11-07")
    index = (f"<sitemapindex {NS}>"
             "<sitemap><loc>https://www.aksi.id/sitemap-2020-10.xml</loc>"
             "<lastmod>2020-10-31T23:00:00+07:00</lastmod></sitemap>"
             "<sitemap><loc>https://www.aksi.id/sitemap-2020-11.xml</loc>"
             "<lastmod>2020-11-30T10:00:00+07:00</lastmod></sitemap></sitemapindex>")
    children = [r.url for r in spider.parse_sitemap(xml("https://www.aksi.id/s.xml", index))]
    assert children == ["https://www.aksi.id/sitemap-2020-11.xml"]  # October cannot hold them
    body = urlset(*((f"https://www.aksi.id/nasional/kabar-hari-ke-{d}", f"2020-11-{d:02d}T12:00:00Z")
                    for d in range(1, 11)),
                  ("https://www.aksi.id/nasional/kabar-tanpa-tanggal-apa-pun", None),
                  # 23:30 UTC on the 7th is already the 8th in Jakarta:
                  ("https://www.aksi.id/nasional/kabar-larut-malam-sekali", "2020-11-07T23:30:00Z"))
    urls = [r.meta["article_url"] for r in spider.parse_sitemap(xml(children[0], body))]
    assert urls == [f"https://www.aksi.id/nasional/kabar-hari-ke-{d}" for d in (5, 6, 7)] + [
        "https://www.aksi.id/nasional/kabar-tanpa-tanggal-apa-pun"]


@pytest.mark.parametrize("feed", [
    '<rss version="2.0"><channel><item><link>https://www.aksi.id/nasional/gempa-guncang-'
    'lombok-utara/?utm_source=rss</link></item></channel></rss>',
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="https://'
    'www.aksi.id/nasional/gempa-guncang-lombok-utara"/><link rel="edit" href="https://www.aksi.'
    'id/wp-admin/x"/></entry></feed>',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/'
    'rss/1.0/"><item><link>https://m.aksi.id/nasional/gempa-guncang-lombok-utara</link></item>'
    "</rdf:RDF>",
], ids=["rss", "atom", "rdf"])
def test_feeds(feed):
    spider = make_spider()
    [article] = list(spider.parse_feed(xml("https://www.aksi.id/feed/", feed)))
    assert article.meta["article_url"] == "https://www.aksi.id/nasional/gempa-guncang-lombok-utara"


@pytest.mark.parametrize("body", ["", "<html><body>Halaman tidak ditemukan</body></html>",
                                  "\x00\x01 bukan xml"])
def test_malformed_sitemaps_are_counted_not_fatal(body):
    spider = make_spider()
    assert list(spider.parse_sitemap(xml("https://www.aksi.id/wp-sitemap.xml", body))) == []
    assert stat(spider, "errors/bad_sitemap") == 1


def test_truncated_sitemap_keeps_its_readable_entries():
    spider = make_spider()
    body = urlset(("https://www.aksi.id/nasional/kabar-yang-sampai-utuh", None))
    cut = body.replace("</urlset>", "<url><loc>https://www.aksi.id/nasional/kabar-terpot")
    urls = [r.meta["article_url"] for r in spider.parse_sitemap(xml("https://www.aksi.id/s.xml",
                                                                     cut))]
    assert urls[0] == "https://www.aksi.id/nasional/kabar-yang-sampai-utuh"


@pytest.mark.parametrize("body", ["", "<html><body><p>Bukan feed</p></body></html>", "\x00\x01"])
def test_malformed_feeds_are_counted(body):
    spider = make_spider()
    assert list(spider.parse_feed(xml("https://www.aksi.id/feed/", body))) == []
    assert stat(spider, "errors/bad_feed") == 1


def test_listing_pages_give_articles_and_follow_pagination():
    portal = portal_from_dict(INDEX_PORTAL)
    spider = make_spider(portal)
    page = xml("https://www.kabarharian.id/indeks?date=2020-11-25", cls=HtmlResponse, body="""
        <a href="/berita/101/harga-beras-stabil">a</a> <a href="/berita/101/harga-beras-stabil?
        utm_source=home">dup</a> <a href="/indeks?date=2020-11-25&page=2">2</a>
        <a href="/tag/beras">tag</a> <a href="https://lain.example/berita/1/x-y">x</a>""")
    requests = list(spider.parse_listing(page))
    articles = [r.meta["article_url"] for r in requests if r.callback == spider.parse_article]
    follows = [r.url for r in requests if r.callback == spider.parse_listing]
    assert articles == ["https://www.kabarharian.id/berita/101/harga-beras-stabil"]
    assert follows == ["https://www.kabarharian.id/indeks?date=2020-11-25&page=2"]


def test_index_by_date_pages_for_a_backfill_newest_first():
    spider = make_spider(portal_from_dict(INDEX_PORTAL), since="2020-11-28", until="2020-11-30")
    urls = [r.url for r in spider.first_requests()]
    assert urls == [f"https://www.kabarharian.id/indeks?date=2020-11-{d}" for d in (30, 29, 28)]


def test_a_regular_run_reads_today_and_yesterday_and_the_feeds():
    spider = make_spider(portal_from_dict(INDEX_PORTAL))
    today = datetime.now(spider.portal.tz).date()
    urls = [r.url for r in spider.first_requests()]
    assert urls[0] == f"https://www.kabarharian.id/indeks?date={today:%Y-%m-%d}"
    assert "https://www.kabarharian.id/rss" in urls and "https://www.kabarharian.id/" in urls


def test_index_template_errors_name_the_field():
    with pytest.raises(PortalError, match="index_by_date"):
        index_page_url("https://x.id/indeks/{tanggal}", date(2020, 11, 1))


@pytest.mark.parametrize("since, until, message", [
    (None, "2020-11-30", "until needs since"),
    ("2020-12-01", "2020-11-30", "is after"),
    ("1 November 2020", None, "YYYY-MM-DD"),
])
def test_backfill_window_rejects_bad_ranges(since, until, message):
    with pytest.raises(ValueError, match=message):
        backfill_window(since, until, date(2020, 12, 31))


def test_window_days_and_bounds():
    window = backfill_window("2020-11-01", None, date(2020, 11, 3))
    assert window == DateWindow(date(2020, 11, 1), date(2020, 11, 3))
    assert window.days() == [date(2020, 11, 3), date(2020, 11, 2), date(2020, 11, 1)]
    assert window.holds(None) and not window.holds(date(2020, 10, 31))
    assert window.may_hold(date(2020, 12, 5)) and not window.may_hold(date(2020, 10, 31))


def test_entry_urls_are_recognised_by_content():
    spider = make_spider(start_urls="https://www.aksi.id/feed/")
    [first] = spider.first_requests()
    assert isinstance(first, Request) and first.callback == spider.parse_any
    feed = xml("https://www.aksi.id/feed/", '<rss><channel><item><link>https://www.aksi.id/'
               "nasional/pasar-malam-kembali-dibuka</link></item></channel></rss>")
    assert [r.meta["article_url"] for r in spider.parse_any(feed)] == [
        "https://www.aksi.id/nasional/pasar-malam-kembali-dibuka"]


@pytest.mark.slow
def test_backfill_crawl_through_sitemap_lastmod(tmp_path):
    """A real crawl: --since/--until fetch only the sitemap entries of those days."""
    from newscrawler.demo.server import serve

    stories = make_stories(20)  # one every 12 hours from 1 November 2020, 08:00 WIB
    root = write_site(tmp_path / "site", stories)
    db = tmp_path / "news.db"
    with serve(root) as origin:
        result = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), "--since",
                         "2020-11-03", "--until", "2020-11-04", "-s", "DOWNLOAD_DELAY=0",
                         "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stdout + result.stderr
    wanted = [s for s in stories if s.published.date() in (date(2020, 11, 3), date(2020, 11, 4))]
    assert len(wanted) == 4 and f"added {len(wanted)}," in result.stdout
