"""Tags of pages no description reads (extract/tagging.py), on pages written here in the shapes
of two networks' templates: the article's tag box is found; the site's topic bars, trending
lists, related cards, UI labels and hashtags of embedded posts are not tags."""

from __future__ import annotations

from newscrawler.page import extract

BODY = "".join(
    f"<p>Paragraf ke-{i} berita tentang banjir rob yang merendam pesisir utara Jawa Tengah, "
    "ratusan rumah warga terendam dan sekolah diliburkan sementara oleh dinas setempat.</p>"
    for i in range(1, 5))


def page(before: str, after: str, aside: str = "") -> str:
    return f"""<html><head><title>Banjir Rob Rendam Pesisir Demak - Kabar</title></head><body>
    <div class="topbar">{before}</div>
    <div class="main"><div class="col-left"><article>
      <h1>Banjir Rob Rendam Pesisir Demak</h1>
      <div class="isi-berita">{BODY}</div>{after}</article></div>
    <div class="col-side">{aside}</div></div></body></html>"""


def tags_of(html: str, url: str) -> list[str]:
    return extract(html, url).tags


def test_tag_box_after_the_body_not_the_topic_bar_nor_the_trending_list() -> None:
    html = page(
        before='<a href="/tag/piala-dunia">#Piala Dunia</a><a href="/tag/pemilu">#Pemilu</a>',
        after='<div class="detail-tag"><ul><li><a href="/tag/banjir-rob">#Banjir Rob</a></li>'
              '<li><a href="/tag/demak">#Demak</a></li></ul></div>',
        aside='<div class="box-trending"><a href="/tag/harga-emas">Harga Emas</a>'
              '<a href="/tag/ihsg">IHSG</a><a href="/tag/cpns">CPNS</a></div>')
    assert tags_of(html, "https://www.suara.com/news/2021/03/02/090000/banjir-rob-demak") == [
        "Banjir Rob", "Demak"]


def test_site_picks_headed_as_such_and_ui_labels_are_not_tags() -> None:
    html = page(
        before="",
        after='<div class="tagging"><a href="/topik/banjir">Banjir</a></div>'
              '<div class="tagging"><a href="/topik/rob">Rob</a></div>'
              '<div class="more"><a href="/topik/">More Tag</a></div>',
        aside='<div class="box_header">Topik Pilihan</div><div class="box_content">'
              '<a href="/topik/a">Satu</a><a href="/topik/b">Dua</a><a href="/topik/c">Tiga</a>'
              '</div>')
    url = "https://kaltim.tribunnews.com/2021/03/02/banjir-rob-rendam-pesisir-demak"
    assert tags_of(html, url) == ["Banjir", "Rob"]


def test_hidden_popover_text_keeps_a_box_a_box() -> None:
    popover = ('<div class="popover hide">Liverpool adalah klub sepak bola Inggris yang '
               'bermarkas di Anfield dan didirikan pada tahun 1892.</div>')
    html = page(before="", after=f'<ul class="topics"><li><a href="/tag/liverpool">Liverpool</a>'
                                 f'{popover}</li><li><a href="/tag/nike">Nike</a></li></ul>')
    assert tags_of(html, "https://www.suara.com/bola/2021/03/02/liverpool-nike") == [
        "Liverpool", "Nike"]


def test_keywords_linked_in_text_related_cards_and_tweet_hashtags_are_not_tags() -> None:
    inline = ('<p>Warga <a href="/tag/demak">Demak</a> mengungsi ke balai desa sejak pagi, '
              'kata kepala desa kepada wartawan di lokasi.</p>')
    card = ('<div class="related"><p><a href="/tag/demak/banjir-rob-kembali-rendam-ratusan-rumah'
            '-warga-di-pesisir-demak.html">Banjir Rob Kembali Rendam Ratusan Rumah Warga di '
            'Pesisir Demak</a></p></div>')
    tweet = ('<blockquote class="twitter-tweet"><p>Doa untuk warga '
             '<a href="https://twitter.com/hashtag/Demak">#Demak</a></p></blockquote>')
    html = page(before="", after=inline + card + tweet)
    article = extract(html, "https://kaltim.tribunnews.com/2021/03/02/banjir-rob-demak")
    assert article.tags == []
