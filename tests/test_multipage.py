"""Multi-page articles joined into one body, over HTTP, by the real spider and pipelines.

A local site (tests/sites/multipage) serves three portals' article schemes: kompas's whole
article at ?page=all (and a 404 there, where the page itself must be fetched instead), detik's
?single=1, okezone's pages reached by their rel=next links (the last one linking back to the
first: no loop, no lost article). Each crawl runs in a subprocess: Twisted's reactor cannot be
started twice in one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from newscrawler.demo.server import serve

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).parent / "sites" / "multipage"

CRAWL = """
import json, sys
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from newscrawler.runner import project_settings

portal, site, start, db = sys.argv[1:5]
process = CrawlerProcess(project_settings({
    "NEWSCRAWLER_DB": db, "LOG_LEVEL": "ERROR", "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False}))
crawler = process.create_crawler(portal)
found = []
def keep(item, **kwargs):
    found.append({"url": item.url, "title": item.title, "body": item.body})
crawler.signals.connect(keep, signal=signals.item_scraped)
process.crawl(crawler, site=site, start_urls=start)
process.start()
print("ITEMS " + json.dumps(found))
"""


def html(path: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, (SITE / path).read_bytes()


def not_found() -> tuple[int, dict[str, str], bytes]:
    return 404, {"Content-Type": "text/html"}, b"<html><body>Tidak ditemukan</body></html>"


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


KOMPAS = "/kompas.com/read/2021/12/21/07000011/banjir-rob-rendam-pesisir-semarang"
KOMPAS_404 = "/kompas.com/read/2021/12/21/08000022/tambak-udang-gagal-panen-di-demak"
OKEZONE = "/okezone.com/read/2021/12/21/337/2519999/petani-tembakau-temanggung-bersiap-panen"
DETIK = "/detik.com/berita/d-5869001/pasar-terapung-lok-baintan-kembali-ramai"

ROUTES = {
    "/kompas.com/indeks": lambda p: html("kompas.com/indeks.html"),
    KOMPAS: lambda p: html("kompas.com/banjir-rob-all.html" if query(p).get("page") == ["all"]
                           else "kompas.com/banjir-rob-page-1.html"),
    KOMPAS_404: lambda p: not_found() if query(p) else html("kompas.com/tambak-udang.html"),
    "/okezone.com/indeks": lambda p: html("okezone.com/indeks.html"),
    OKEZONE: lambda p: html(f"okezone.com/petani-tembakau-page-{query(p).get('page', ['1'])[0]}"
                            ".html"),
    "/detik.com/indeks": lambda p: html("detik.com/indeks.html"),
    DETIK: lambda p: html("detik.com/pasar-terapung-single.html" if query(p).get("single")
                          else "detik.com/pasar-terapung-page-1.html"),
}


def crawl(portal: str, folder: str, tmp_path: Path) -> dict[str, dict]:
    """The articles a crawl of the local site stores, by the last part of their URL."""
    with serve(SITE, ROUTES) as origin:
        done = subprocess.run(
            [sys.executable, "-c", CRAWL, portal, f"{origin}/{folder}",
             f"{origin}/{folder}/indeks", str(tmp_path / "news.db")],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("ITEMS "))
    items = json.loads(line[len("ITEMS "):])
    return {urlsplit(i["url"]).path.rstrip("/").rsplit("/", 1)[-1]: i for i in items}


@pytest.mark.slow
def test_whole_article_page_and_fallback_to_the_page_itself(tmp_path: Path) -> None:
    articles = crawl("kompas", "kompas.com", tmp_path)
    body = articles["banjir-rob-rendam-pesisir-semarang"]["body"].split("\n\n")
    assert len(body) == 4
    assert body[-1].startswith("Badan Penanggulangan Bencana Daerah menyiagakan pompa")
    # ?page=all answered 404: the article is fetched as it is.
    fallback = articles["tambak-udang-gagal-panen-di-demak"]["body"]
    assert fallback.startswith("DEMAK, KOMPAS.com - Puluhan hektare tambak udang")
    assert len(articles) == 2


@pytest.mark.slow
def test_single_page_variant(tmp_path: Path) -> None:
    articles = crawl("detik", "detik.com", tmp_path)
    body = articles["pasar-terapung-lok-baintan-kembali-ramai"]["body"].split("\n\n")
    assert body[0] == ("Banjar - Pasar terapung Lok Baintan di Sungai Martapura kembali ramai "
                       "dikunjungi wisatawan.")
    assert body[-1].startswith("Dinas pariwisata setempat menyiapkan perahu wisata")


@pytest.mark.slow
def test_next_page_links_are_followed_once(tmp_path: Path) -> None:
    articles = crawl("okezone", "okezone.com", tmp_path)
    article = articles["petani-tembakau-temanggung-bersiap-panen"]
    body = article["body"].split("\n\n")
    assert article["title"] == "Petani Tembakau Temanggung Bersiap Panen"
    assert len(body) == 6
    assert body[0].startswith("TEMANGGUNG - Petani tembakau di lereng Gunung Sumbing")
    assert body[-1].startswith("Festival tembakau juga akan digelar")
    assert len(articles) == 1
