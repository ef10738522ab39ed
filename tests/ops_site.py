"""A generated mirror of aksi.id for the operations tests: any number of articles, with a
sitemap index, a posts sitemap (lastmod), an RSS feed and a front page, written from the
templates in tests/sites/ops/ into a temporary folder and served by `serve(root, routes)`.

`counted(root, stories)` wraps article paths in routes that count every request, so a test
can tell how often each article was fetched across processes; inside
`headers_visible_to_routes()` a route can read the request's headers (`request_header`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newscrawler.demo.server import MirrorHandler, Route

TEMPLATES = Path(__file__).parent / "sites" / "ops"
WIB = timezone(timedelta(hours=7))
PLACES = ("Sleman", "Bantul", "Klaten", "Magelang", "Garut", "Cianjur", "Jepara", "Kudus",
          "Tegal", "Blitar", "Jember", "Bima", "Sumbawa", "Ende", "Maumere", "Palopo")
SENTENCES = (
    "Warga {place} bergotong royong membersihkan saluran air menjelang musim hujan tahun ini.",
    "Kepala desa setempat mengatakan kegiatan itu rutin digelar setiap bulan sejak awal tahun.",
    "Puluhan relawan ikut mengangkut sampah plastik yang menyumbat gorong-gorong di sepanjang "
    "jalan utama {place}.",
    "Menurut warga, banjir kecil sempat merendam halaman rumah mereka pada pekan lalu.",
    "Pemerintah kecamatan berjanji menambah tempat sampah dan memperbaiki tanggul yang retak.",
    "Laporan ini adalah tulisan ke-{number} kami tentang kerja bakti di {place}.",
)
CORRECTION = "Ralat: jumlah relawan yang ikut ternyata dua kali lebih banyak dari laporan awal."


@dataclass(frozen=True)
class Story:
    number: int
    published: datetime

    @property
    def place(self) -> str:
        return PLACES[self.number % len(PLACES)]

    @property
    def slug(self) -> str:
        return f"kerja-bakti-warga-{self.place.lower()}-bagian-{self.number}"

    @property
    def title(self) -> str:
        return f"Kerja Bakti Warga {self.place} Bagian {self.number}"

    @property
    def path(self) -> str:
        """The path the crawler asks for (canonical: no trailing slash)."""
        return f"/aksi.id/nasional/{self.slug}"

    @property
    def canonical(self) -> str:
        return f"https://www.aksi.id/nasional/{self.slug}"

    def html(self, corrected: bool = False) -> str:
        lines = [s.format(place=self.place, number=self.number) for s in SENTENCES]
        if corrected:
            lines.append(CORRECTION)
        return (TEMPLATES / "article.html").read_text(encoding="utf-8").format(
            title=self.title, slug=self.slug, published=self.published.isoformat(),
            paragraphs="\n".join(f"<p>{line}</p>" for line in lines))


def make_stories(count: int, first: datetime = datetime(2020, 11, 1, 8, 0, tzinfo=WIB),
                 step: timedelta = timedelta(hours=12)) -> list[Story]:
    return [Story(n, first + n * step) for n in range(count)]


def listing(heading: str, stories: list[Story], next_href: str | None = None) -> str:
    links = "\n".join(f'<li><a href="/aksi.id/nasional/{s.slug}/">{s.title}</a></li>'
                      for s in stories)
    more = f'<a class="next" href="{next_href}">Berikutnya</a>' if next_href else ""
    return (TEMPLATES / "listing.html").read_text(encoding="utf-8").format(
        heading=heading, links=links, next=more)


def sitemap(stories: list[Story]) -> str:
    urls = "\n".join(f"<url><loc>{{origin}}/aksi.id/nasional/{s.slug}/</loc>"
                     f"<lastmod>{s.published.isoformat()}</lastmod></url>" for s in stories)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">\n{urls}\n</urlset>\n')


def sitemap_index(children: dict[str, datetime]) -> str:
    entries = "\n".join(f"<sitemap><loc>{{origin}}/aksi.id/{name}</loc>"
                        f"<lastmod>{stamp.isoformat()}</lastmod></sitemap>"
                        for name, stamp in children.items())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps'
            f'.org/schemas/sitemap/0.9">\n{entries}\n</sitemapindex>\n')


def feed(stories: list[Story]) -> str:
    items = "\n".join(f"<item><title>{s.title}</title><link>{{origin}}/aksi.id/nasional/"
                      f"{s.slug}/?utm_source=rss&amp;utm_medium=feed</link></item>"
                      for s in stories)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Aksi.id</title>\n{items}\n</channel></rss>\n")


def write_site(root: Path, stories: list[Story], robots: str = "User-agent: *\nDisallow:\n"
               ) -> Path:
    """The whole mirror: robots.txt, front page, sitemap index and posts sitemap, feed, articles."""
    site = root / "aksi.id"
    (site / "nasional").mkdir(parents=True, exist_ok=True)
    (site / "feed").mkdir(exist_ok=True)
    (root / "robots.txt").write_text(robots, encoding="utf-8")
    (site / "index.html").write_text(listing("Berita Terbaru", stories[-10:]), encoding="utf-8")
    newest = max((s.published for s in stories), default=datetime(2020, 1, 1, tzinfo=WIB))
    (site / "wp-sitemap.xml").write_text(sitemap_index({"wp-sitemap-posts-post-1.xml": newest}),
                                         encoding="utf-8")
    (site / "wp-sitemap-posts-post-1.xml").write_text(sitemap(stories), encoding="utf-8")
    (site / "feed" / "index.xml").write_text(feed(stories[-10:]), encoding="utf-8")
    for story in stories:
        (site / "nasional" / f"{story.slug}.html").write_text(story.html(), encoding="utf-8")
    return root


def counted(root: Path, stories: list[Story], delay: float = 0.0,
            answer: Callable[[Story], tuple[int, dict[str, str], bytes]] | None = None
            ) -> tuple[dict[str, Route], Counter]:
    """Routes serving the stories' pages (slowly, with `delay`), counting each request."""
    hits: Counter = Counter()
    lock = threading.Lock()

    def route_for(story: Story) -> Route:
        def route(_: str) -> tuple[int, dict[str, str], bytes]:
            with lock:
                hits[story.slug] += 1
            if delay:
                time.sleep(delay)
            if answer is not None:
                return answer(story)
            page = root / "aksi.id" / "nasional" / f"{story.slug}.html"
            return 200, {"Content-Type": "text/html"}, page.read_bytes()
        return route

    routes = {}
    for story in stories:
        routes[story.path] = routes[story.path + "/"] = route_for(story)
    return routes, hits


_current = threading.local()


def request_header(name: str) -> str | None:
    """A header of the request a route is answering (inside `headers_visible_to_routes`)."""
    headers = getattr(_current, "headers", None)
    return headers.get(name) if headers is not None else None


@contextmanager
def headers_visible_to_routes() -> Iterator[None]:
    """Routes only get the path; this lets them see the request's headers too (per thread)."""
    original = MirrorHandler.do_GET

    def do_get(handler: MirrorHandler) -> None:
        _current.headers = handler.headers
        original(handler)

    MirrorHandler.do_GET = do_get  # type: ignore[method-assign]
    try:
        yield
    finally:
        MirrorHandler.do_GET = original  # type: ignore[method-assign]
