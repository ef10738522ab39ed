"""One page, one path: `process_page` and `archive_key`, the same answer on every path.

The crawl, `newscrawler extract` and `reextract` all read a page through `process_page`; the
archive key is computed by `archive_key` alone, trusting a page's canonical link only on the
portal's own domains (or, for a page of no portal, on the host it came from).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from newscrawler.demo.server import serve
from newscrawler.items import Article, RawPage
from newscrawler.page import Drop, archive_key, process_page, request_key, trusted_canonical
from newscrawler.portals import get_portal
from newscrawler.storage import Archive

from .conftest import run_cli
from .ops_site import Story, counted, make_stories, write_site

ROOT = Path(__file__).resolve().parents[1]
AKSI = get_portal("aksi")
STORED = "https://www.aksi.id/nasional/petani-kopi-panen-raya"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


# -- the key ---------------------------------------------------------------------------------


@pytest.mark.parametrize("claimed, portal, fetched, trusted", [
    ("https://nasional.aksi.id/petani-kopi", AKSI, STORED, True),  # the portal's own host
    ("https://www.kompas.com/read/2021/1/1/1/x", AKSI, STORED, False),  # another portal
    ("javascript:alert(1)", AKSI, STORED, False),
    ("ftp://www.aksi.id/nasional/petani-kopi", AKSI, STORED, False),
    ("http://[x/berita", AKSI, STORED, False),  # unparsable
    (STORED, None, "http://127.0.0.1:8000/salinan", False),  # a copy elsewhere names it
    ("https://kabar.example/a/b-c-d", None, "https://m.kabar.example/a/b-c-d", True),
    ("https://lain.example/a/b-c-d", None, "https://kabar.example/a/b-c-d", False),
])
def test_a_canonical_link_is_trusted_only_on_the_site_itself(claimed, portal, fetched, trusted):
    assert trusted_canonical(claimed, portal, fetched) == (claimed if trusted else None)


def test_the_key_is_the_trusted_canonical_else_the_request_url_both_canonical():
    mobile = "https://m.aksi.id/nasional/petani-kopi-panen-raya/amp?utm_source=x"
    assert request_key(mobile, AKSI) == STORED
    assert archive_key(mobile, STORED + "/?utm_medium=feed", AKSI) == STORED
    assert archive_key(mobile, "https://www.kompas.com/read/x", AKSI) == STORED
    assert archive_key("http://127.0.0.1:9/salinan-berita", STORED) == (
        "http://127.0.0.1:9/salinan-berita")


# -- the path --------------------------------------------------------------------------------


def page(url: str, body: str, **headers: str) -> RawPage:
    return RawPage(url=url, status=200, fetched_at="2024-05-10T05:00:00+00:00",
                   body=body.encode(), headers=headers)


def test_a_feed_is_not_an_article():
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>news.detik</title>'
            "<item><title>Berita</title><link>https://news.detik.com/x</link></item>"
            "</channel></rss>")
    result = process_page([page("https://news.detik.com/rss", feed)])
    assert isinstance(result, Drop) and result.reason == "not_article"


def test_a_listing_page_is_not_an_article():
    teasers = "".join(
        f'<li><a href="/berita/kabar-desa-nomor-{n}-hari-ini">Kabar desa nomor {n}</a>'
        f"<p>Ringkasan kabar desa nomor {n} yang ditulis oleh warga setempat dan dikirim ke "
        "redaksi pada pagi hari sebelum rapat.</p></li>" for n in range(20))
    html = (f"<html><head><title>Indeks Berita</title></head><body><h1>Indeks Berita</h1>"
            f"<ul>{teasers}</ul></body></html>")
    result = process_page([page("https://kabar.example/indeks", html)])
    assert isinstance(result, Drop) and result.reason == "not_article"


def test_pages_of_one_article_are_read_in_order_and_kept():
    def html(text: str) -> str:
        return (f"<html><head><title>Judul Berita Panjang</title></head><body><article>"
                f"<h1>Judul Berita Panjang</h1><div class='entry-content'><p>{text}</p>"
                "</div></article></body></html>")

    first = "Warga desa membersihkan saluran air bersama-sama sejak pagi hari. " * 4
    second = "Halaman kedua menceritakan hasil kerja bakti yang selesai menjelang sore. " * 4
    pages = [page("https://kabar.example/a/kerja-bakti-warga-desa", html(first)),
             page("https://kabar.example/a/kerja-bakti-warga-desa?page=2", html(second))]
    article = process_page(pages)
    assert isinstance(article, Article)
    assert article.body.index("Warga desa") < article.body.index("Halaman kedua")
    assert article.pages == pages


# -- over HTTP -------------------------------------------------------------------------------


def canonical_on_another_host(root: Path, stories: list[Story]) -> None:
    """Each article names itself on a section host of the portal, as kompas' articles do."""
    for story in stories:
        path = root / "aksi.id" / "nasional" / f"{story.slug}.html"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "https://www.aksi.id/nasional/", "https://nasional.aksi.id/berita/"), encoding="utf-8")


@pytest.mark.slow
def test_a_second_crawl_fetches_no_article_whose_canonical_names_another_host(tmp_path):
    stories = make_stories(4)
    root = write_site(tmp_path / "site", stories)
    canonical_on_another_host(root, stories)
    routes, hits = counted(root, stories)
    db = tmp_path / "news.db"
    with serve(root, routes) as origin:
        first = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), *FAST)
        assert first.returncode == 0 and "added 4," in first.stdout, first.stdout + first.stderr
        hits.clear()
        second = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), *FAST)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "known (not fetched) 4" in second.stdout, second.stdout
    assert sum(hits.values()) == 0
    keys = [r["canonical_url"] for r in sqlite_utils.Database(db).query(
        "select canonical_url from articles")]
    assert sorted(keys) == sorted(f"https://nasional.aksi.id/berita/{s.slug}" for s in stories)


def crawl_url(url: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "url", "-a", f"urls={url}",
         "-s", f"NEWSCRAWLER_DB={db}", "-s", "LOG_LEVEL=INFO",
         "-s", "NEWSCRAWLER_ALLOW_PRIVATE_TARGETS=1"],  # the test site is on 127.0.0.1
        cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_page_elsewhere_naming_a_stored_article_does_not_change_it(tmp_path):
    story = make_stories(1)[0]
    root = write_site(tmp_path / "site", [story])
    (root / "salinan.html").write_text(
        story.html().replace(story.title, "Judul Palsu dari Situs Lain").replace(
            "Warga", "Penipu"), encoding="utf-8")
    (root / "rss.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>news.detik</title><item>'
        "<title>Berita</title><link>https://news.detik.com/x</link></item></channel></rss>",
        encoding="utf-8")
    db = tmp_path / "news.db"
    with serve(root) as origin:
        assert run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db),
                       *FAST).returncode == 0
        before = Archive(db).article(story.canonical)
        copy = crawl_url(f"{origin}/salinan.html", db)
        feed = crawl_url(f"{origin}/rss.xml", db)
    assert copy.returncode == 0, copy.stderr
    assert Archive(db).article(story.canonical) == before
    titles = {r["canonical_url"]: r["title"] for r in sqlite_utils.Database(db).query(
        "select canonical_url, title from articles")}
    assert titles[f"{origin}/salinan.html"] == "Judul Palsu dari Situs Lain"
    assert "'newscrawler/dropped/not_article': 1" in feed.stderr
    assert len(titles) == 2


@pytest.mark.slow
def test_extract_a_crawl_and_reextract_give_the_same_row(tmp_path):
    story = make_stories(1)[0]
    root = write_site(tmp_path / "site", [story])
    db = tmp_path / "news.db"
    with serve(root) as origin:
        crawl = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db), *FAST)
    assert crawl.returncode == 0, crawl.stderr
    saved = root / "aksi.id" / "nasional" / f"{story.slug}.html"
    extracted = json.loads(run_cli("extract", str(saved), "--url", story.canonical + "/").stdout)
    fields = ("title", "published", "body", "authors", "tags", "canonical_url")
    crawled = Archive(db).article(story.canonical)
    assert {f: extracted[f] for f in fields} == {f: crawled[f] for f in fields}
    again = run_cli("reextract", "--db", str(db))
    assert again.returncode == 0 and "unchanged 1" in again.stdout, again.stdout
    assert Archive(db).article(story.canonical) == crawled
