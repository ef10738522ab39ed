"""Hostile and broken pages (issue 13): each one crashed, hung or lost the article before."""

from __future__ import annotations

import time

import pytest

from newscrawler.extract import ExtractError
from newscrawler.extract.document import decode
from newscrawler.extract.links import feed_links, page_links
from newscrawler.items import Article
from newscrawler.page import extract

URL = "https://www.aksi.id/nasional/jembatan-bambu-warga-lebak.html"
SENTENCE = "Warga desa bergotong royong membangun jembatan bambu, kata kepala desa, pada Minggu pagi. "
PARAGRAPH = f"<p>{SENTENCE * 3}</p>"


def page(body: str, head: str = "") -> str:
    return (f"<html><head><title>Jembatan bambu</title>{head}</head><body>"
            f"<h1>Warga Lebak bangun jembatan bambu</h1><article>{body}</article></body></html>")


def assert_article(html: str | bytes, content_type: str | None = None) -> str:
    article = extract(html, URL, content_type=content_type)
    assert isinstance(article, Article), article
    assert SENTENCE.strip() in article.body
    return article.body


@pytest.mark.parametrize("control", ["\x0b", "\x01", "\x1f", "\ufffe", "\x00"])
def test_control_character_after_removed_boilerplate(control: str) -> None:
    html = page(f"{PARAGRAPH}<div class='baca-juga'>Baca juga</div>{control}Lanjutan{PARAGRAPH}")
    assert "Lanjutan" in assert_article(html)


@pytest.mark.parametrize("head, body", [
    ("", '<img src="http://[IMAGE_URL]/foto.jpg">'),
    ('<link rel="canonical" href="http://[x">', ""),
    ('<meta property="og:url" content="http://[x">', ""),
    ('<meta property="og:image" content="http://[x">', ""),
])
def test_bracketed_hosts_cost_only_that_url(head: str, body: str) -> None:
    article = extract(page(body + PARAGRAPH, head), URL)
    assert article.canonical_url == URL
    assert article.images == []


def test_one_bracketed_href_keeps_every_other_link_of_a_listing() -> None:
    html = b'<a href="/a-satu">1</a><a href="http://[x/y">2</a><a href="http://[IMG]/z">3</a>' \
           b'<a href="/a-dua">4</a>'
    assert list(page_links(html, "https://kabar.example/")) == [
        "https://kabar.example/a-satu", "https://kabar.example/a-dua"]


def test_feed_link_with_a_lone_surrogate_loses_that_link_only() -> None:
    feed = (b"<rss><channel><item><link>https://kabar.example/&#xD800;</link></item>"
            b"<item><link>https://kabar.example/berita-dua</link></item></channel></rss>")
    assert list(feed_links(feed, "https://kabar.example/")) == ["https://kabar.example/berita-dua"]


@pytest.mark.parametrize("jsonld", [
    '{"@type": null, "headline": "x"}',
    '{"@type": 5}',
    '{"@type": {"a": 1}}',
    "[" * 5000 + "]" * 5000,
    '{"@graph":' * 900 + "{}" + "}" * 900,
    '{"@graph":[' * 400 + "{}" + "]}" * 400,
])
def test_odd_jsonld_is_ignored(jsonld: str) -> None:
    assert_article(page(PARAGRAPH, f'<script type="application/ld+json">{jsonld}</script>'))


def test_card_layout_with_deep_wrappers() -> None:
    card = "<div>" * 6 + PARAGRAPH + "</div>" * 6
    html = f"<html><body><h1>Judul berita kartu</h1><section>{card * 4}</section></body></html>"
    article = extract(html, URL)
    assert article.body.count(SENTENCE.strip()) == 12


@pytest.mark.parametrize("tag", ["div", "font", "blockquote", "li"])
@pytest.mark.parametrize("depth", [300, 1500, 3000])
def test_deep_nesting_before_the_body(tag: str, depth: int) -> None:
    assert_article(page(f"<{tag}>" * depth + PARAGRAPH))


def test_text_and_attribute_over_10_mb() -> None:
    inline_image = "data:image/png;base64," + "A" * 11_000_000
    assert_article(page(f'<img src="{inline_image}">' + PARAGRAPH))
    assert_article(page("<p>" + "kata " * 2_200_000 + "</p>" + PARAGRAPH))


def test_attribute_flood_is_cut_short() -> None:
    flood = " ".join(f'a{n}="x"' for n in range(160_000))
    started = time.perf_counter()
    assert_article(page(f"<div {flood}>{PARAGRAPH}</div>"))
    assert time.perf_counter() - started < 3


def test_one_nul_byte_is_not_binary() -> None:
    assert_article(page(PARAGRAPH).replace("<body>", "<body>\x00").encode())
    with pytest.raises(ExtractError, match="binary"):
        decode(bytes(range(256)) * 20)


@pytest.mark.parametrize("encoding, content_type, expected", [
    ("utf-8", "text/html; charset=iso-8859-1", "Caf\u00e9"),  # valid UTF-8 wins
    ("utf-8", "text/html; charset=utf-16", "Caf\u00e9"),
    ("cp1252", "text/html; charset=utf-8", "Caf\u00e9"),  # not UTF-8 after all
    ("utf-16", "text/html; charset=utf-16", "Caf\u00e9"),  # BOM
    ("utf-16-le", "text/html; charset=utf-16le", "Caf\u00e9"),
    ("iso-8859-15", "text/html; charset=iso-8859-15", "Caf\u00e9 \u20ac"),  # declared, honoured
    ("cp1252", None, "Caf\u00e9 \u20ac"),  # nothing declared: Windows-1252
])
def test_charset_as_browsers_decide_without_mojibake(
        encoding: str, content_type: str | None, expected: str) -> None:
    text = f"<html><body><p>{expected}</p></body></html>"
    assert expected in decode(text.encode(encoding), content_type)
