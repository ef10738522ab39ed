"""Property tests (Hypothesis), bounded for CI: the readers never crash on any input.

Whatever a page holds, `extract` (the one path) gives an article or a Drop with a reason; `parse_date` gives
None or a value in 1900-2100 and not after now + 1 day; the listing, feed and sitemap readers
give absolute, parsable URLs or nothing. bench/fuzz.py does the same at scale on real pages.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawler.dates import JAKARTA, parse_date
from newscrawler.extract import ExtractError
from newscrawler.extract.document import decode
from newscrawler.extract.links import feed_links, page_links
from newscrawler.extract.sitemaps import SitemapError, sitemap_entries
from newscrawler.items import Article
from newscrawler.page import Drop, extract, request_key

BOUNDED = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
URL = "https://www.aksi.id/nasional/kabar-warga-hari-ini"
DROP_REASONS = ("not_html", "no_title", "no_body", "body_too_short", "not_article")

TAGS = st.sampled_from(["div", "p", "font", "span", "article", "section", "a", "img", "script",
                        "h1", "meta", "link", "br", "table", "td", "li", "time"])
ATTRIBUTES = st.sampled_from([
    ' class="content"', ' class="baca-juga"', ' href="http://[x"', ' src="http://[IMG]/a.jpg"',
    ' property="og:image" content="http://[x"', ' rel="canonical" href="/a"', ' id="isi"',
    ' datetime="2020-11-25T20:41:00+07:00"', ' type="application/ld+json"', ""])
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.sampled_from([
    "Warga desa bergotong royong membangun jembatan bambu, kata kepala desa. " * 3,
    "Rabu, 25 Nov 2020 20:41 WIB", "2 jam yang lalu", '{"@type": null}', "[" * 50,
    "\x0b\x01\ufffe\u200b", "&#xD800;", "Baca juga: kabar lain"])


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    """Tag soup: opening and closing tags (balanced or not), attributes and odd text."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(TAGS)
        kind = draw(st.sampled_from(["open", "close", "text", "text"]))
        if kind == "open":
            parts.append(f"<{tag}{draw(ATTRIBUTES)}>")
        elif kind == "close":
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(TEXT))
    return "<html><head><title>Judul</title></head><body>" + "".join(parts)


@BOUNDED
@given(html_pages(), st.sampled_from([None, "text/html; charset=utf-16",
                                      "text/html; charset=iso-8859-1", "text/html"]))
def test_extract_gives_an_article_or_a_drop(page: str, content_type: str | None) -> None:
    for body in (page, page.encode("utf-8", "surrogatepass")):
        result = extract(body, URL, content_type=content_type)
        if isinstance(result, Drop):
            assert result.reason in DROP_REASONS, result
        else:
            assert isinstance(result, Article) and result.url == request_key(URL)


@BOUNDED
@given(st.binary(max_size=3000), st.none() | st.text(max_size=40))
def test_decode_gives_text_or_extract_error(body: bytes, content_type: str | None) -> None:
    with contextlib.suppress(ExtractError):
        assert isinstance(decode(body, content_type), str)


NOW = datetime(2026, 2, 17, 10, 0, tzinfo=JAKARTA)
DATE_WORDS = st.sampled_from([
    "Senin", "(16/2)", "25", "Nov", "2020", "20:41", "WIB", "jam", "lalu", "yang", "9999",
    "minggu", "bulan", "tahun", "detik", "kemarin", "pukul", "08.15", "\u200b", "/", ",", "-",
    "2100", "1899", "31/12/2099", "T", "Z", "+07:00"])


@BOUNDED
@given(st.lists(DATE_WORDS, max_size=8).map(" ".join) | st.text(max_size=60),
       st.none() | st.just(NOW) | st.just(datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)))
def test_parse_date_is_bounded_and_never_in_the_future(text: str, now: datetime | None) -> None:
    value = parse_date(text, now)
    if value is None:
        return
    assert 1900 <= value.year <= 2100
    anchor = now if now is not None and now.year <= 2100 else datetime.now(JAKARTA)
    if isinstance(value, datetime):
        assert value <= anchor + timedelta(days=1)
    else:
        assert isinstance(value, date) and value <= anchor.date() + timedelta(days=1)


def assert_usable(urls: list[str]) -> None:
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme and parts.hostname is not None or parts.scheme not in ("http",
                                                                                    "https")


HREFS = st.sampled_from(["/a", "http://[x", "https://[IMAGE]/b", "//cdn.aksi.id/c", "#top",
                         "javascript:void(0)", "&#xD800;", "/d?x=1&amp;y=2", "http://[::1]/e"])


@BOUNDED
@given(st.lists(HREFS | st.text(max_size=20), max_size=30))
def test_listing_and_feed_links_are_usable_urls(hrefs: list[str]) -> None:
    links = "".join(f'<a href="{h}">x</a>' for h in hrefs).encode("utf-8", "surrogatepass")
    assert_usable(list(page_links(links, URL)))
    items = "".join(f"<item><link>{h}</link></item>" for h in hrefs)
    feed = f"<rss><channel>{items}</channel></rss>".encode("utf-8", "surrogatepass")
    assert_usable(list(feed_links(feed, URL)))


@BOUNDED
@given(st.lists(HREFS | st.text(max_size=20), max_size=30), st.integers(0, 400))
def test_sitemap_reader_yields_entries_or_a_sitemap_error(locs: list[str], cut: int) -> None:
    rows = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    body = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{rows}</urlset>").encode("utf-8", "surrogatepass")
    for document in (body, body[:cut]):
        try:
            for entry in sitemap_entries(document, 1_000_000):
                assert entry.loc is None or isinstance(entry.loc, str)
        except SitemapError as exc:
            assert exc.reason in ("bad_sitemap", "too_large")
