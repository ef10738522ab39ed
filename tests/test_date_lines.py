"""Dates on pages no description reads, written here in the shapes of several templates: the
date line a reader sees by the headline (whatever its element is called), its time kept over a
day from the URL or a date-only meta, and the seconds a page script adds to the same minute."""

from __future__ import annotations

from newscrawler.page import extract

BODY = "".join(
    f"<p>Paragraf ke-{i} tentang nelayan Kendari yang panen ikan cakalang sejak awal pekan, "
    "hasil tangkapan melimpah karena arus laut membawa kawanan ikan ke dekat pantai.</p>"
    for i in range(1, 5))


def page(head: str = "", above: str = "", below: str = "", headline: str = "<h1>{}</h1>",
         scripts: str = "") -> str:
    title = "Nelayan Kendari Panen Ikan Cakalang"
    return f"""<html><head><title>{title}</title>{head}{scripts}</head><body>
    <div class="top"><span class="clock">Senin, 30 November 2026 09:00 WIB</span></div>
    <div class="wrap"><div class="crumbs"><a href="/">Home</a></div>{above}
    {headline.format(title)}{below}<div class="isi">{BODY}</div></div></body></html>"""


def test_a_date_line_below_the_headline_whatever_its_class() -> None:
    html = page(below='<div class="msmall grey">Rabu, 4 November 2015 | 21:04 WIB</div>')
    article = extract(html, "https://www.suara.com/news/2015/11/04/210400/nelayan-kendari")
    assert (article.published, article.published_source) == ("2015-11-04T21:04:00+07:00", "text")


def test_a_date_line_just_above_the_headline() -> None:
    html = page(above='<p><time class="tgl">Kamis, 5 November 2015 - 15:56</time></p>',
                headline='<div class="titles"><h1>{}</h1></div>')
    article = extract(html, "https://kaltim.tribunnews.com/2015/11/05/nelayan-kendari")
    assert article.published == "2015-11-05T15:56:00+08:00"  # in the portal's zone, WITA


def test_the_header_clock_is_not_the_article_date() -> None:
    article = extract(page(), "https://beritajatim.com/ekonomi/nelayan-kendari-panen-ikan/")
    assert article.published is None


def test_a_headline_without_a_heading_tag_and_a_byline_with_the_date() -> None:
    html = page(headline='<div class="judul">In Picture: {}</div>',
                below='<span class="writer">Yaumil Azis | 2020-12-15 07:30</span>')
    article = extract(html, "https://www.suara.com/foto/2020/12/15/nelayan-kendari")
    assert article.published == "2020-12-15T07:30:00+07:00"


def test_a_day_alone_gives_way_to_the_time_the_page_prints_that_day() -> None:
    meta = '<meta property="article:published_time" content="2021-03-02">'
    html = page(head=meta, below='<span>Selasa, 2 Maret 2021 09:15 WIB</span>')
    article = extract(html, "https://www.suara.com/news/2021/03/02/nelayan-kendari")
    assert article.published == "2021-03-02T09:15:00+07:00"


def test_seconds_from_a_page_script_of_the_same_minute() -> None:
    script = '<script>window.kly = {"article": {"publishDate": "2020-06-17 11:36:30"}};</script>'
    shown = page(scripts=script, below="<span>Rabu, 17 Juni 2020 11:36</span>")
    url = "https://www.suara.com/news/nelayan-kendari-panen-ikan-cakalang"
    assert extract(shown, url).published == "2020-06-17T11:36:30+07:00"
    other_minute = page(scripts=script, below="<span>Rabu, 17 Juni 2020 11:40</span>")
    assert extract(other_minute, url).published == "2020-06-17T11:40:00+07:00"
    no_line = extract(page(scripts=script), url)
    assert (no_line.published, no_line.published_source) == ("2020-06-17T11:36:30+07:00", "script")
