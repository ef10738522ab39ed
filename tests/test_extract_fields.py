"""The small readers `extract` is made of: bylines, the headline cut, layout hints, links of
listings and feeds, the generic container finder."""

from __future__ import annotations

import pytest

from newscrawler.boilerplate import rules_for
from newscrawler.extract.document import decode, element_text, parse
from newscrawler.extract.generic import find_containers
from newscrawler.extract.hints import read_hints
from newscrawler.extract.links import is_feed, listing_links
from newscrawler.extract.reader import _people, after_headline, strip_site_suffix
from newscrawler.page import extract


@pytest.mark.parametrize("bylines,people", [
    (["Pewarta: Budisantoso Budiman dan Agus S"], ["Budisantoso Budiman", "Agus S"]),
    ([": Kontributor Lhokseumawe, Masriadi"], ["Masriadi"]),
    (["Fino Yurio Kristo - detikinet"], ["Fino Yurio Kristo"]),
    (["Natasha Oktalia, Jurnalis · Kamis 09 Juli 2020 07:26 WIB"], ["Natasha Oktalia"]),
    (["Oleh : Maya Sofia"], ["Maya Sofia"]),
    (["prwir"], []),
    (["Liputan6.com"], []),
    (["Editor: Ade Marboen"], []),
    (["Kabar Priangan"], []),  # the site itself
    (["Redaksi Aksi", "redaksi aksi"], ["Redaksi Aksi"]),
])
def test_people_in_bylines(bylines: list[str], people: list[str]) -> None:
    assert _people(bylines, {"kabar priangan"}) == people


def test_lines_above_the_headline_are_header() -> None:
    lines = ["home", "gaya", "Ini 7 Alasan Orang Malas Bergerak", "Isi paragraf pertama."]
    assert after_headline(lines, "Ini 7 Alasan Orang Malas Bergerak") == ["Isi paragraf pertama."]
    prose = ["Sebuah kalimat panjang yang jelas merupakan isi artikel dan sama sekali bukan "
             "bagian kepala halaman yang berisi menu.", "Judul"]
    assert after_headline(prose, "Judul") == prose


@pytest.mark.parametrize("title,suffixes,site,expected", [
    ("Banjir di Lebak - Kompas.com", (" - Kompas.com",), None, "Banjir di Lebak"),
    ("Banjir di Lebak | Warta Banten", (), "Warta Banten", "Banjir di Lebak"),
    ("Banjir di Lebak - Warga Mengungsi", (), "Warta Banten", "Banjir di Lebak - Warga Mengungsi"),
])
def test_site_suffix(title: str, suffixes: tuple[str, ...], site: str | None,
                     expected: str) -> None:
    from newscrawler.portals import portal_from_dict

    portal = portal_from_dict({"id": "x", "name": "X", "domains": ["x.example"],
                               "title_suffixes": list(suffixes)})
    assert strip_site_suffix(title, portal, site) == expected


def test_hints_read_tag_boxes_bylines_and_date_lines() -> None:
    root = parse(b"""<html><body>
      <div class="td-post-author-name">Oleh <a href="/a/">Budi Santoso</a></div>
      <span class="post-date">Selasa, 2 Maret 2021 - 09:15 WIB</span>
      <time datetime="2021-03-02T09:15:00+07:00">2 Maret</time>
      <div class="tags"><a href="/t/a">Garam</a><a href="/t/b">Madura</a></div>
      <div class="sidebar-tag-cloud"><a href="/t/c">Lain</a></div></body></html>""")
    hints = read_hints(root)
    assert hints.authors == ["Budi Santoso"]
    assert hints.tags == ["Garam", "Madura"]
    anywhere = lambda el: 0  # noqa: E731
    assert hints.date_line(anywhere) == "Selasa, 2 Maret 2021 - 09:15 WIB"
    assert hints.time_datetime(anywhere) == "2021-03-02T09:15:00+07:00"
    assert hints.date_line(lambda el: None if el.tag == "span" else 0) is None


def test_feed_links_include_guids_that_are_urls() -> None:
    feed = b"""
<?xml version="1.0" encoding="iso-8859-1"?>
<?xml-stylesheet href="/rss.css"?>
<rss version="2.0"><channel><link>https://kabar.example/</link>
<item><link>https://proxy.example/r/1</link><guid isPermaLink="false">https://kabar.example/read/1/a-b</guid></item>
<item><link>/read/2/c-d</link><guid isPermaLink="false">tag:kabar,2</guid></item>
</channel></rss>"""
    assert is_feed(feed)
    assert listing_links(feed, "https://kabar.example/") == [
        "https://proxy.example/r/1", "https://kabar.example/read/1/a-b",
        "https://kabar.example/read/2/c-d"]


def test_page_links_skip_commented_out_markup() -> None:
    html = (b'<html><body><a href="/a/satu">1</a><!-- <a href="/a/lama">old</a> -->'
            b'<a href=\'/a/dua?x=1&amp;y=2\'>2</a><a href="/a/satu">again</a></body></html>')
    assert not is_feed(html)
    assert listing_links(html, "https://kabar.example/indeks") == [
        "https://kabar.example/a/satu", "https://kabar.example/a/dua?x=1&y=2"]


def test_decode_prefers_valid_utf8_over_any_declaration() -> None:
    text = '<meta charset="iso-8859-1"><p>KapanLagi.com\u00ae</p>'
    assert "com\u00ae" in decode(text.encode("utf-8"))
    assert "com\u00ae" in decode(text.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert "caf\u00e9" in decode("<p>caf\u00e9</p>".encode("latin-1"))


def test_generic_finder_keeps_sibling_blocks_of_one_article() -> None:
    paragraph = "<p>" + "Warga desa bergotong royong membangun jembatan bambu, kata kepala desa. " * 3
    html = (f"<html><body><nav><a href='/'>Beranda</a></nav><div class='wrap'>"
            f"<div class='part'>{paragraph * 3}</div><div class='ad'>Iklan</div>"
            f"<div class='part'>{paragraph * 3}</div></div>"
            f"<aside><ul><li><a href='/x'>Berita lain yang populer sekali hari ini</a></li></ul>"
            f"</aside></body></html>").encode()
    containers = find_containers(parse(html), rules_for(None))
    assert [c.get("class") for c in containers] in (["wrap"], ["part", "part"])
    assert sum(len(element_text(c)) for c in containers) > 1000


def test_generic_finder_gives_nothing_for_a_page_without_prose() -> None:
    html = b"<html><body><nav><a href='/'>Beranda</a></nav><ul>" + b"".join(
        b"<li><a href='/a%d'>Judul berita nomor %d yang panjang</a></li>" % (i, i)
        for i in range(30)) + b"</ul></body></html>"
    assert find_containers(parse(html), rules_for(None)) == []


GENERIC_PAGE = """<html><body>
<div class="topbar"><span class="date">Kamis, 26 November 2020</span></div>
<div class="main"><div class="story">
  <h1>Warga Bantaran Kali Code Bersihkan Sampah Sisa Banjir</h1>
  <div class="info-detail">Rabu, 25 November 2020 | 16:05 WIB</div>
  {dateline}
  <div class="story-text">
    <p>YOGYAKARTA - Ratusan warga bantaran Kali Code turun ke sungai pada Rabu pagi untuk
    mengangkat sampah yang tersangkut di bebatuan setelah banjir kiriman dari lereng Merapi.</p>
    <p>Mereka membawa karung, sekop, dan gerobak. Sampah plastik dipisahkan dari ranting kayu
    supaya bisa dijual ke bank sampah kampung, kata ketua RW setempat kepada wartawan.</p>
  </div>
  <div class="terbaru"><h3>Terbaru</h3>
    <div class="item"><a href="/x">Harga cabai naik</a><span class="date">2 menit yang lalu</span></div>
  </div>
</div>
<aside class="sidebar"><span class="date">Selasa, 24 November 2020 08:00 WIB</span></aside>
</div></body></html>"""


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        # The line between headline and body wins over better-named dates elsewhere.
        ('<span class="date-detail">Rabu, 25 November 2020 | 16:05 WIB</span>',
         "2020-11-25T16:05:00+07:00"),
        # No date line by the headline: the header's "today", the latest-news list and the
        # sidebar date nothing; missing is better than wrong.
        ("", None),
    ],
)
def test_generic_date_line_is_the_one_by_the_headline(dateline: str, expected: str | None):
    html = GENERIC_PAGE.replace("{dateline}", dateline)
    article = extract(html, "https://kabar-kali.example/warga-bersihkan-sampah-sisa-banjir")
    assert article.title == "Warga Bantaran Kali Code Bersihkan Sampah Sisa Banjir"
    assert article.published == expected
