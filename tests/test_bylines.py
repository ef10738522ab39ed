"""Writers on pages no description reads, in the shapes of several templates written here: the
visible byline wins over a meta tag naming the publisher; labels, dates, sections, roles,
editors and photo credits around the name are not names."""

from __future__ import annotations

import pytest

from newscrawler.page import extract

BODY = "".join(
    f"<p>Paragraf ke-{i} tentang nelayan Kendari yang panen ikan cakalang sejak awal pekan, "
    "hasil tangkapan melimpah karena arus laut membawa kawanan ikan ke dekat pantai.</p>"
    for i in range(1, 5))
TITLE = "Nelayan Kendari Panen Ikan Cakalang"


def page(header: str = "", closing: str = "", head: str = "") -> str:
    return f"""<html><head><title>{TITLE}</title>{head}</head><body><div class="wrap">
    <div class="titles"><h1>{TITLE}</h1></div>{header}
    <div class="isi">{BODY}{closing}</div></div></body></html>"""


PUBLISHER = '<meta name="author" content="PT. Kabar Media Nusantara">'


@pytest.mark.parametrize("html,writers", [
    # A labelled byline under the headline wins over the publisher in the meta tag.
    (page('<span class="reporter">Reporter : <a href="/r/supriatin">Supriatin</a></span>',
          head=PUBLISHER), ["Supriatin"]),
    # Section and date before the label, linked: only the name after the label.
    (page('<div class="news-date-reporter"><a href="/gaya">GAYA</a> | 17 Juni 2021 06:04 '
          'Reporter : <a href="/r/ts">Tantri Setyorini</a></div>'), ["Tantri Setyorini"]),
    # The role after the name, in a box named after the reporter.
    (page('<div class="nmreporter"><div>Fakhrizal Fakhri Jurnalis</div></div>'),
     ["Fakhrizal Fakhri"]),
    # A byline with the day of the date after it.
    (page('<div class="author">Oleh : Adrianus Mandey | Jumat, 19 Juni 2015 11:58</div>'),
     ["Adrianus Mandey"]),
    # A closing credits line, the editor after the writer; a photo credit named "author".
    (page('<div class="photo"><img src="/f.jpg"><span class="author">KOMPAS.com/Budi</span></div>',
          closing="<table><tr><td>Penulis: Laras Wibisono Editor : Ade Marboen</td></tr></table>",
          head=PUBLISHER), ["Laras Wibisono"]),
    # Nothing but the publisher: no writer.
    (page(head=PUBLISHER), []),
])
def test_visible_bylines(html: str, writers: list[str]) -> None:
    url = "https://www.suara.com/news/2021/06/17/060400/nelayan-kendari-panen-ikan"
    assert extract(html, url).authors == writers
