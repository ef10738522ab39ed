"""The body on pages no description reads, in shapes written here: the block holding the
headline (kicker, standfirst) is its header, not its body; a byline, a date line and the links
of a page-by-page viewer standing among the paragraphs are not text."""

from __future__ import annotations

from newscrawler.page import extract

TITLE = "Perabot Tembaga Bisa Kurangi Paparan Virus"
PARAGRAPHS = [
    f"Paragraf ke-{i}: para peneliti menemukan permukaan tembaga membunuh virus lebih cepat "
    "dibanding baja tahan karat, sehingga gagang pintu dan keran dari tembaga kian diminati."
    for i in range(1, 5)]


def test_header_block_byline_date_and_viewer_links_are_not_body() -> None:
    html = f"""<html><head><title>{TITLE}</title></head><body><div class="artikel">
    <div class="kepala"><h1>{TITLE}</h1><p>Kuningan dan tembaga lama dikenal bermanfaat.</p></div>
    <div class="gambar"><img src="/a.jpg"><ul class="slides"><li><a href="/a">INTRO</a></li>
      <li><a href="/a/1">1</a></li><li><a href="/a/2">2</a></li></ul></div>
    <div class="isi"><div class="penulis"><div>Mutia Nugraheni</div>
      <div>| 21 September 2020 16:04</div></div>
      {"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div></div></body></html>"""
    article = extract(html, "https://www.suara.com/lifestyle/2020/09/21/160400/perabot-tembaga")
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert article.published == "2020-09-21T16:04:00+07:00"
    assert article.authors == ["Mutia Nugraheni"]


def test_later_sections_loaded_on_scroll_are_the_article() -> None:
    sections = [PARAGRAPHS[:2], PARAGRAPHS[2:3], PARAGRAPHS[3:]]
    boxes = "".join(
        f'<div class="bagian teks-artikel"{" id=list-pagination" if i else ""}>'
        f'<div class="jeda"><small>{i + 1} dari 3 halaman</small></div>'
        + "".join(f"<p>{p}</p>" for p in part) + "</div>"
        for i, part in enumerate(sections))
    html = f"""<html><head><title>{TITLE}</title></head><body><div class="utama">
    <div class="judul"><h1>{TITLE}</h1></div><div class="bagian-bagian">{boxes}</div>
    <div class="lain"><a href="/x">Berita lain yang juga menarik dibaca hari ini</a></div>
    </div></body></html>"""
    article = extract(html, "https://kaltim.tribunnews.com/2020/12/15/perabot-tembaga")
    assert article.body == "\n\n".join(PARAGRAPHS)


def test_a_photo_story_keeps_its_item_titles_a_lone_closing_heading_goes() -> None:
    items = [f"{i}. Momen warga memanen ikan cakalang di Teluk Kendari hari ke-{i}."
             for i in range(1, 4)]
    pictures = "".join(f'<h2>{t}</h2><figure><img src="/f{i}.jpg"></figure>'
                       for i, t in enumerate(items))
    html = f"""<html><head><title>{TITLE}</title></head><body><div class="utama">
    <h1>{TITLE}</h1><div class="isi-berita">{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
    {pictures}</div></div></body></html>"""
    url = "https://www.suara.com/foto/2020/06/17/115000/momen-panen-cakalang"
    assert extract(html, url).body == "\n\n".join(PARAGRAPHS + items)
    lone = html.replace(pictures, '<h2>Video Panen Cakalang</h2><figure><img src="/v.jpg"></figure>')
    assert extract(lone, url).body == "\n\n".join(PARAGRAPHS)


def test_a_picture_box_without_figure_is_not_body() -> None:
    caption = ('<div class="foto-artikel"><img src="/f.jpg"><span class="author">SUARA.COM/BUDI'
               '</span> Keran tembaga di sebuah rumah di Jakarta, Senin (21/9/2020).</div>')
    html = f"""<html><head><title>{TITLE}</title></head><body><div class="utama">
    <h1>{TITLE}</h1><div class="isi-berita">{caption}
    {"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}</div></div></body></html>"""
    article = extract(html, "https://www.suara.com/lifestyle/2020/09/21/160400/perabot-tembaga")
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert article.authors == []
