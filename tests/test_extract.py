"""`extract` on pages we wrote ourselves (tests/sites): WordPress themes read by the generic
rules, a described portal read by its selectors, and every kind of bad input."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from newscrawler.items import Article
from newscrawler.page import Drop, extract
from newscrawler.portals import get_portal, portal_from_dict

SITES = Path(__file__).parent / "sites"
DEMO = Path(__file__).parents[1] / "newscrawler" / "demo" / "site"


def page(path: str) -> bytes:
    return (SITES / path).read_bytes()


def read(html: bytes | str, url: str) -> tuple[Article, str | None]:
    """What the one path read from a page, and why it is not kept (None: it is kept)."""
    result = extract(html, url)
    if isinstance(result, Drop):
        assert result.article is not None, result
        return result.article, result.reason
    return result, None


# -- WordPress-style sites: generic rules -------------------------------------------------------

WORDPRESS = {
    "aksi": (
        "aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang.html",
        "https://www.aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang/",
        {"title": "Nelayan Kendari Panen Ikan Cakalang di Awal Musim Timur",
         "published": "2021-03-02T09:15:00+07:00", "authors": ["Laras Wibisono"],
         "tags": ["Kendari", "Nelayan"], "section": "Nasional", "credit": "Antara"},
        ("KENDARI (Aksi.id) - Ratusan nelayan", "ujar Kepala Dinas, Marwah Tamrin. (lw/sumber Antara)"),
        ("Harga Ikan di Pasar Sentral", "Cuaca Buruk", "Pabrik Es Balok Baru", "Festival Bahari",
         "Budidaya Rumput Laut", "Bagikan ini", "Perahu nelayan bersandar", "Tinggalkan Balasan",
         "Jalan Poros Kendari", "adsbygoogle"),
    ),
    "tagdiv": (
        "wp-themes/tagdiv-newspaper.html",
        "https://kabarpesisir.example/ekonomi/petani-garam-madura-keluhkan-hujan/",
        {"title": "Petani Garam Madura Keluhkan Hujan Sepanjang Kemarau",
         "published": "2022-08-14T10:30:00+07:00", "authors": ["Budi Santoso"],
         "tags": ["garam", "Madura"]},
        ("PAMEKASAN - Petani garam", "Bantuan ditargetkan tiba pada akhir bulan."),
        ("Advertisement", "Harga Garam Krosok", "Artikel Terkait", "Facebook", "tergenang air hujan",
         "Pelabuhan Kalianget"),
    ),
    "jnews": (
        "wp-themes/jnews.html",
        "https://wartabanten.example/daerah/jembatan-gantung-lebak-rampung/",
        {"title": "Jembatan Gantung Penghubung Dua Desa di Lebak Rampung Dibangun",
         "published": "2023-01-09T14:05:00+07:00", "authors": ["Sari Rahmawati"],
         "tags": ["jembatan", "Lebak"]},
        ("LEBAK - Warga Desa Cisungsang", "untuk mencapai pasar kecamatan."),
        ("Banjir Rendam Puluhan Hektare", "Baca Juga", "Share on", "Pasar Rangkasbitung",
         "Komentar", "Harga Gabah"),
    ),
}


@pytest.mark.parametrize("name", WORDPRESS)
def test_wordpress_themes(name: str) -> None:
    path, url, fields, (first, last), never = WORDPRESS[name]
    article, reason = read(page(path), url)
    for field_name, expected in fields.items():
        assert getattr(article, field_name) == expected, field_name
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith(first)
    assert paragraphs[-1].endswith(last)
    assert [n for n in never if n in article.body] == []
    assert reason is None


def test_the_demo_aksi_page_reads_like_the_seed() -> None:
    """The reader's copy of the aksi.id article (shared/seeds): the inline related headline
    between two sentences is not text, the iNews.id credit closes the body."""
    html = (DEMO / "aksi.id/internasional/"
            "tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-karabakh.html").read_bytes()
    url = ("https://www.aksi.id/internasional/"
           "tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-karabakh/")
    article = extract(html, url)
    assert article.title == ("Tentara Azerbaijan Masuki Kalbajar, Distrik Kedua di Karabakh "
                             "yang Diserahkan Armenia")
    assert article.published == "2020-11-25T20:41:00+07:00"
    assert article.tags == ["Armenia", "Azerbaijan", "Karabakh"]
    assert article.credit == "iNews.id"
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith("BAKU (Aksi.id) - Pasukan Azerbaijan memasuki")
    assert paragraphs[-1].endswith("menghubungkan Karabakh dengan Armenia. (ds/sumber iNews.id)")
    assert len(paragraphs) == 12
    for boilerplate in ("Turki dan Rusia Disebut-sebut", "Artikel Terkait", "Artikel Terbaru",
                        "TERPOPULER", "Konvoi tentara", "Bagikan", "Armenia Serahkan Agdam"):
        assert boilerplate not in article.body


# -- a described portal ---------------------------------------------------------------------------

def test_mobile_page_of_a_described_portal() -> None:
    url = "https://m.kompas.com/read/2021/12/20/10450061/nelayan-natuna-kembali-melaut"
    article = extract(page("m.kompas.com/read/2021/12/20/10450061/nelayan-natuna-kembali-melaut"
                           ".html"), url)
    assert article.portal == "kompas"
    assert article.extraction == "portal:2018"
    assert article.title == "Nelayan Natuna Kembali Melaut Setelah Gelombang Tinggi Reda"
    assert article.published == "2021-12-20T10:45:00+07:00"
    assert article.authors == ["Yohanes Kurnia"]
    assert article.tags == ["Natuna", "nelayan"]
    assert article.canonical_url == ("https://regional.kompas.com/read/2021/12/20/10450061/"
                                     "nelayan-natuna-kembali-melaut")
    assert "Cuaca Ekstrem di Kepri" not in article.body
    assert article.body.count("\n\n") == 2


def test_a_portal_whose_selectors_broke_falls_back_and_says_so(caplog) -> None:
    portal = portal_from_dict({"id": "kabar", "name": "Kabar", "domains": ["kabar.example"],
                               "selectors": [{"title": "h1.old-title", "body": "div.old-body"}]})
    with caplog.at_level(logging.WARNING, logger="newscrawler.extract.reader"):
        article = extract(page("bad/amp.html"), "https://kabar.example/a/kapal-pinisi-ke-eropa",
                          portal=portal)
    assert article.extraction == "generic"
    assert article.body.startswith("BULUKUMBA - Sebuah kapal pinisi")
    assert any("no selector set matched" in r.getMessage() and "kabar" in r.getMessage()
               for r in caplog.records)


def test_the_first_matching_generation_wins() -> None:
    portal = portal_from_dict({
        "id": "kabar", "name": "Kabar", "domains": ["kabar.example"],
        "selectors": [{"version": "new", "title": "h1.new", "body": "div.new"},
                      {"version": "old", "title": "h1.amp-title", "body": ".amp-article-content",
                       "authors": ".no-such-byline"}]})
    article = extract(page("bad/amp.html"), "https://kabar.example/a/kapal-pinisi-ke-eropa",
                      portal=portal)
    assert article.extraction == "portal:old"
    # The set names the byline and it is not there: no author, whatever the metadata says.
    assert article.authors == []


def test_metadata_in_utc_is_shown_in_the_portals_zone() -> None:
    article = extract(page("aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang.html")
                      .replace(b'<time class="entry-date published" datetime="2021-03-02T09:15:00'
                               b'+07:00">Selasa, 2 Maret 2021 - 09:15 WIB</time>', b""),
                      "https://www.aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang/")
    assert article.published == "2021-03-02T09:15:00+07:00"
    assert article.published_source == "meta"


def test_utc_label_on_local_time_is_read_as_local_time() -> None:
    """Old detik: `pubdate` says Z over the WIB clock the date line shows."""
    html = page("m.kompas.com/read/2021/12/20/10450061/nelayan-natuna-kembali-melaut.html").replace(
        b'<meta name="content_PublishedDate" content="2021-12-20 10:45:00">',
        b'<meta name="pubdate" content="2021-12-20T10:45:31Z">')
    article = extract(html, "https://m.kompas.com/read/2021/12/20/10450061/nelayan-natuna")
    assert article.published == "2021-12-20T10:45:31+07:00"


def test_valid_utf8_wins_over_a_wrong_meta_charset() -> None:
    html = page("bad/paywall-teaser.html").replace(b'<meta charset="utf-8">',
                                                   b'<meta charset="iso-8859-1">')
    html = html.replace(b"Takengon", "Takengon\u00ae".encode())
    article = extract(html, "https://majalahdagang.example/laporan/harga-kopi-gayo-naik")
    assert "Takengon\u00ae" in article.body


# -- bad input -----------------------------------------------------------------------------------

BAD = {
    # page: (url, drop reason or None for an honest article, text the body must start with)
    "bad/broken-markup.html": ("https://kabarpriangan.example/daerah/citarum-meluap", None,
                               "BANDUNG - Sungai Citarum kembali meluap"),
    "bad/no-body.html": ("https://kabarpriangan.example/pengumuman-redaksi-baru", "no_body", None),
    "bad/paywall-teaser.html": ("https://majalahdagang.example/laporan/harga-kopi-gayo-naik",
                                None, "Harga kopi arabika Gayo"),
    "bad/video-only.html": ("https://kabarpriangan.example/video/jembatan-gantung-putus",
                            "no_body", None),
    "bad/photo-gallery.html": ("https://kabartimur.example/foto/pawai-budaya-ambon", "no_body",
                               None),
    "bad/amp.html": ("https://wartacelebes.example/amp/ekonomi/kapal-pinisi-ke-eropa", None,
                     "BULUKUMBA - Sebuah kapal pinisi"),
}


@pytest.mark.parametrize("path", BAD)
def test_bad_input_is_an_honest_article_or_a_drop_with_a_reason(path: str) -> None:
    url, reason, start = BAD[path]
    article, dropped_for = read(page(path), url)
    assert dropped_for == reason
    assert article.title
    if start:
        assert article.body.startswith(start)


def test_paywall_box_is_not_body() -> None:
    article = extract(page("bad/paywall-teaser.html"),
                      "https://majalahdagang.example/laporan/harga-kopi-gayo-naik")
    assert "Berlangganan" not in article.body and "khusus untuk pelanggan" not in article.body


def test_amp_page_keeps_its_metadata() -> None:
    article = extract(page("bad/amp.html"),
                      "https://wartacelebes.example/amp/ekonomi/kapal-pinisi-ke-eropa")
    assert article.canonical_url == ("https://wartacelebes.example/ekonomi/"
                                     "kapal-pinisi-bulukumba-dikirim-ke-eropa")
    assert article.published == "2022-06-20T10:20:00+08:00"
    assert article.authors == ["Andi Mappasessu"]


@pytest.mark.parametrize("html", [b"", b"   \n", b"\x00\x01\x02binary\x00", b"just text, no markup"])
def test_not_html_is_a_drop(html: bytes) -> None:
    result = extract(html, "https://kabar.example/a-b-c")
    assert isinstance(result, Drop) and result.reason == "not_html" and result.article is None


def test_any_cut_of_a_page_is_read_without_an_exception() -> None:
    """Truncated downloads, cut anywhere: an article or a drop, never a crash."""
    html = page("aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang.html")
    for end in range(200, len(html), 97):
        _, reason = read(html[:end], "https://www.aksi.id/nasional/nelayan-kendari/")
        assert reason in (None, "no_title", "no_body", "body_too_short")


@pytest.mark.parametrize("html", [
    "<html><body>" + "<div>" * 3000 + "<p>" + "kata " * 80 + "</p></body></html>",
    '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
    "</head><body><h1>Judul</h1><p>" + "kata " * 80 + "</p></body></html>",
    "<html><head><title>T</title></head><body><p>" + "x" * 200_000 + "</p></body></html>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><h1>Judul</h1><p>isi</p></body></html>",
])
def test_pathological_pages_do_not_raise(html: str) -> None:
    result = extract(html, "https://kabar.example/a-b-c")
    assert isinstance(result, Article) or result.reason in ("no_title", "no_body",
                                                            "body_too_short")


def test_described_portal_is_found_by_its_domain() -> None:
    assert get_portal("kompas").owns("https://m.kompas.com/read/2021/12/20/1/x")
