"""Articles for the archive tests, made the way a crawl makes them: a page of our own Indonesian
text, read by the real `extract`, with the raw page attached. Deterministic by number."""

from __future__ import annotations

from newscrawler.items import Article, RawPage
from newscrawler.page import extract

PLACES = ["Demak", "Lebak", "Kupang", "Ternate", "Sorong", "Garut", "Jember", "Palu"]
GROUPS = ["nelayan", "petani garam", "pedagang pasar", "guru honorer", "perajin bambu"]
SENTENCES = [
    "Sekitar dua ratus {group} di {place} berkumpul sejak pagi untuk membahas harga yang terus "
    "turun selama musim hujan tahun ini.",
    "Ketua kelompok mengatakan mereka meminta pemerintah daerah membuka gudang bersama agar hasil "
    "kerja tidak lagi dijual murah kepada tengkulak.",
    "Dinas setempat berjanji meninjau usulan itu dalam rapat anggaran bulan depan dan mengundang "
    "perwakilan {group} untuk hadir.",
    "Warga {place} berharap janji tersebut benar ditepati karena kebutuhan sekolah anak mereka "
    "semakin besar menjelang tahun ajaran baru.",
]
# The server's clock when the pages were fetched: after every sample's publication day
# (a date after "now" + 1 day is refused as impossible).
HTTP_DATE = "Mon, 29 Mar 2021 05:00:00 GMT"


def article_url(n: int, portal_domain: str = "www.aksi.id") -> str:
    return f"https://{portal_domain}/nasional/kabar-warga-{PLACES[n % len(PLACES)].lower()}-{n}"


def article_html(n: int, version: int = 0) -> str:
    """A WordPress-like article page; a higher `version` adds a correction paragraph."""
    place, group = PLACES[n % len(PLACES)], GROUPS[n % len(GROUPS)]
    title = f"Kabar Warga {place} Nomor {n}: {group.capitalize()} Minta Gudang Bersama"
    paragraphs = [s.format(place=place, group=group) for s in SENTENCES]
    paragraphs += [f"Ralat ke-{v}: jumlah peserta yang benar adalah {200 + v} orang."
                   for v in range(1, version + 1)]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    day = f"2021-03-{1 + n % 28:02d}"
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} - Aksi.id</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{day}T09:{n % 60:02d}:00+07:00">
<meta property="article:section" content="Nasional">
<meta name="author" content="Rina Lestari">
</head><body><article><h1 class="entry-title">{title}</h1>
<div class="entry-content">{body}</div>
<a rel="tag" href="/tag/{place.lower()}/">{place}</a> <a rel="tag" href="/tag/warga/">Warga</a>
</article></body></html>"""


def sample_article(n: int, version: int = 0, fetched_at: str = "2021-03-02T05:00:00+00:00"
                   ) -> Article:
    """Article number n as a crawl would store it: extracted from its page, page attached."""
    url = article_url(n)
    html = article_html(n, version).encode()
    article = extract(html, url)
    assert isinstance(article, Article), "a sample must read as an article"
    article.crawled_at = fetched_at
    article.pages = [RawPage(url=url, status=200, fetched_at=fetched_at, body=html,
                             headers={"Content-Type": "text/html; charset=utf-8",
                                      "Date": HTTP_DATE})]
    return article
