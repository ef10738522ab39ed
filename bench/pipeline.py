"""End-to-end pipeline benchmark: the real spider, every pipeline stage, a fresh archive.

    python bench/pipeline.py --pages 20000

1. Generates N realistic article pages on the fly (100-200 KB each: navigation, inline scripts,
   sidebars, related lists, 10-30 paragraphs of Indonesian-like text, a date line, tags) behind
   a sitemap, served by a separate server process on 127.0.0.1 (measured alone first, so it is
   known not to be the bottleneck).
2. Measures `scrapy bench` (Scrapy's own ceiling on this machine) in the same run.
3. Crawls the pages with the `aksi` portal spider (a WordPress-style site mirrored with
   `site=`) into a fresh archive, timing each stage by wrapping its function (no change to the
   production code), sampling RSS as it goes.

Prints a per-stage breakdown, then as its last line one JSON object: pages, pages_per_min,
scrapy_bench_pages_per_min, ratio, extract_ms_median, store_ms_median, peak_rss_mb,
rss_growth_mb_per_10k.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_SITEMAP = 1000
WORDS = (
    "yang dan di ke dari untuk dengan pada dalam tidak akan ini itu juga sudah telah masih "
    "pemerintah warga kota desa kabupaten provinsi presiden menteri gubernur bupati wali polisi "
    "jalan sungai pasar sekolah rumah sakit petani nelayan pedagang mahasiswa guru dokter harga "
    "beras cabai minyak bahan bakar listrik air banjir hujan gempa longsor kebakaran jembatan "
    "anggaran daerah pusat nasional internasional ekonomi politik hukum olahraga budaya wisata "
    "mengatakan menyebut menjelaskan menambahkan mengungkapkan menegaskan berharap meminta "
    "hari minggu bulan tahun pagi siang sore malam kemarin besok sekitar lebih kurang hampir "
    "ribuan ratusan puluhan orang keluarga anak perempuan laki-laki tim pemain pelatih laga "
    "Jakarta Surabaya Bandung Medan Makassar Semarang Palembang Denpasar Jayapura Ambon Kupang"
).split()
SCRIPT_BLOB = "var _cfg={" + ",".join(f'"k{i}":"{"x" * 40}"' for i in range(600)) + "};"


# -- the generated site -------------------------------------------------------------------------

def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return " ".join(words).capitalize() + "."


def article_html(i: int) -> bytes:
    """Page i: deterministic, 100-200 KB, shaped like a WordPress news article."""
    rng = random.Random(i)
    title = " ".join(rng.choice(WORDS) for _ in range(8)).title() + f" {i}"
    paragraphs = "".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(3, 6)))}</p>\n"
        + ('<p><strong>Baca Juga:</strong> <a href="/x">Berita lain</a></p>\n' if k == 2 else "")
        for k in range(rng.randint(10, 30))
    )
    nav = "".join(f'<li><a href="/aksi.id/kanal/{w}/">{w}</a></li>' for w in WORDS[:120])
    related = "".join(
        f'<li><a href="/aksi.id/berita/terkait-{i}-{k}/">{sentence(rng)}</a>'
        f'<span class="date">Senin, 2{k % 9} November 2020</span></li>' for k in range(40))
    tags = "".join(f'<a rel="tag" href="/aksi.id/tag/{w}/">{w}</a> ' for w in rng.sample(WORDS, 4))
    padding = "".join(f"<script>{SCRIPT_BLOB}</script>" for _ in range(rng.randint(3, 6)))
    minute = i % 60
    return f"""<!DOCTYPE html><html lang="id-ID"><head><meta charset="UTF-8">
<title>{title} - Aksi.id</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2020-11-25T13:{minute:02d}:00+00:00">
{padding}</head><body class="single"><header><nav><ul>{nav}</ul></nav></header>
<main><article class="post"><h1 class="entry-title">{title}</h1>
<div class="entry-meta">
<time class="entry-date published">Rabu, 25 November 2020 - 20:{minute:02d} WIB</time>
<span class="author"><a rel="author" href="/aksi.id/author/redaksi/">Redaksi Aksi</a></span></div>
<div class="share-buttons"><a>Facebook</a><a>Twitter</a><a>WhatsApp</a></div>
<div class="entry-content">{paragraphs}
<div class="jp-relatedposts"><ul>{related[:3000]}</ul></div></div>
<footer class="entry-footer"><span class="tags-links">{tags}</span></footer></article></main>
<aside class="widget-area">
<section class="widget"><h2>TERPOPULER</h2><ul>{related}</ul></section></aside>
<footer class="site-footer"><ul>{nav}</ul>&copy; 2020</footer></body></html>""".encode()


def sitemap_index(n: int, origin: str) -> bytes:
    maps = "".join(f"<sitemap><loc>{origin}/aksi.id/sitemap-{k}.xml</loc></sitemap>"
                   for k in range((n + PER_SITEMAP - 1) // PER_SITEMAP))
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'.encode()


def sitemap(k: int, n: int, origin: str) -> bytes:
    urls = "".join(f"<url><loc>{origin}/aksi.id/berita/kabar-warga-hari-ini-{i}/</loc></url>"
                   for i in range(k * PER_SITEMAP, min(n, (k + 1) * PER_SITEMAP)))
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


class SiteHandler(BaseHTTPRequestHandler):
    pages = 0
    protocol_version = "HTTP/1.1"
    ARTICLE = re.compile(r"^/aksi\.id/berita/kabar-warga-hari-ini-(\d+)/?$")
    SITEMAP = re.compile(r"^/aksi\.id/sitemap-(\d+)\.xml$")

    def do_GET(self) -> None:  # noqa: N802
        origin = f"http://{self.headers['Host']}"
        path = self.path
        if path == "/aksi.id/wp-sitemap.xml":
            body, kind = sitemap_index(self.pages, origin), "application/xml"
        elif match := self.SITEMAP.match(path):
            body, kind = sitemap(int(match[1]), self.pages, origin), "application/xml"
        elif match := self.ARTICLE.match(path):
            body, kind = article_html(int(match[1])), "text/html; charset=utf-8"
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def run_server(pages: int, port_queue: multiprocessing.Queue) -> None:
    handler = type("H", (SiteHandler,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def server_pages_per_min(origin: str, seconds: float = 5.0, workers: int = 16) -> float:
    """The server alone, fetched by 16 threads: it must be far above the crawl's rate."""
    deadline = time.monotonic() + seconds
    counts = [0] * workers

    def fetch(w: int) -> None:
        i = w
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"{origin}/aksi.id/berita/kabar-warga-hari-ini-{i}/") as r:
                r.read()
            counts[w] += 1
            i += workers

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(fetch, range(workers)))
    return sum(counts) / seconds * 60


# -- scrapy bench -------------------------------------------------------------------------------

def scrapy_bench_pages_per_min(seconds: int = 20) -> float:
    """`scrapy bench` outside the project (Scrapy's defaults): median of its per-interval rates."""
    with tempfile.TemporaryDirectory() as empty:
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
             "-s", "LOGSTATS_INTERVAL=2"],
            cwd=empty, capture_output=True, text=True, timeout=seconds + 120,
            env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"})
    rates = [int(r) for r in re.findall(r"at (\d+) pages/min", result.stderr)]
    steady = [r for r in rates[1:] if r > 0] or rates
    if not steady:
        raise RuntimeError(f"scrapy bench printed no rate:\n{result.stderr[-2000:]}")
    return float(statistics.median(steady))


# -- the crawl ----------------------------------------------------------------------------------

class StageTimer:
    """Wraps stage functions with timers; keeps every sample (a few floats per page)."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    def wrap(self, owner: object, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.samples[stage].append(time.perf_counter() - start)

        setattr(owner, name, timed)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def crawl(origin: str, db: Path, pages: int) -> dict:
    from scrapy import signals

    import newscrawler.page as one_path
    from newscrawler.runner import project_settings
    from newscrawler.storage import Archive

    timer = StageTimer()
    timer.wrap(one_path, "read_page", "extract")
    timer.wrap(one_path, "clean_article", "clean")
    timer.wrap(one_path, "resolve_dates", "dates")
    timer.wrap(Archive, "store", "store")
    timer.wrap(Archive, "flush", "store_flush")

    from scrapy.crawler import CrawlerProcess

    settings = project_settings({
        "NEWSCRAWLER_DB": str(db), "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "HTTPCACHE_ENABLED": False,
    })
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("aksi")
    rss: list[tuple[int, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            done = crawler.stats.get_value("item_scraped_count", 0) if crawler.stats else 0
            rss.append((done, rss_mb()))

    started: list[float] = []

    def opened() -> None:
        started.append(time.perf_counter())

    crawler.signals.connect(opened, signal=signals.spider_opened)
    process.crawl(crawler, site=f"{origin}/aksi.id")
    threading.Thread(target=sample, daemon=True).start()
    process.start()
    elapsed = time.perf_counter() - started[0]
    stop.set()
    stats = crawler.stats.get_stats()
    return {"elapsed": elapsed, "stats": stats, "samples": timer.samples, "rss": rss}


def growth_per_10k(rss: list[tuple[int, float]]) -> float:
    """RSS growth over the second half of the run, per 10,000 pages."""
    if len(rss) < 4:
        return 0.0
    half = rss[len(rss) // 2:]
    (p0, m0), (p1, m1) = half[0], half[-1]
    return (m1 - m0) / max(p1 - p0, 1) * 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--bench-seconds", type=int, default=20)
    args = parser.parse_args()

    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=run_server, args=(args.pages, ports), daemon=True)
    server.start()
    origin = f"http://127.0.0.1:{ports.get(timeout=10)}"
    sizes = [len(article_html(i)) / 1024 for i in range(0, 200, 7)]
    print(f"pages: {args.pages}, page size {min(sizes):.0f}-{max(sizes):.0f} KB "
          f"(mean {statistics.mean(sizes):.0f} KB)")
    server_rate = server_pages_per_min(origin)
    print(f"server alone: {server_rate:,.0f} pages/min")
    bench_rate = scrapy_bench_pages_per_min(args.bench_seconds)
    print(f"scrapy bench: {bench_rate:,.0f} pages/min")

    with tempfile.TemporaryDirectory() as tmp:
        result = crawl(origin, Path(tmp) / "news.db", args.pages)
    server.terminate()
    stats = result["stats"]
    stored = stats.get("newscrawler/articles/new", 0)
    if stored < args.pages:
        sys.exit(f"only {stored} of {args.pages} pages became articles: the figures would lie")
    rate = stored / result["elapsed"] * 60
    print(f"crawl: {result['elapsed']:.1f} s, {stored} articles stored, "
          f"dropped {({k: v for k, v in stats.items() if 'dropped' in k})}")
    print(f"{'stage':<12} {'calls':>7} {'median ms':>10} {'p95 ms':>8} {'total s':>8} {'share':>6}")
    total = result["elapsed"]
    medians = {}
    for stage, values in result["samples"].items():
        values = sorted(values)
        medians[stage] = values[len(values) // 2] * 1000
        p95 = values[int(len(values) * 0.95)] * 1000
        print(f"{stage:<12} {len(values):>7} {medians[stage]:>10.2f} {p95:>8.2f} "
              f"{sum(values):>8.1f} {sum(values) / total:>6.1%}")
    latency = stats.get("response_received_count", 1)
    print(f"fetch: {latency} responses; the rest of the time is Scrapy's engine and downloader")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "pages": args.pages,
        "pages_per_min": round(rate),
        "scrapy_bench_pages_per_min": round(bench_rate),
        "ratio": round(rate / bench_rate, 3),
        "extract_ms_median": round(medians.get("extract", 0), 2),
        "store_ms_median": round(medians.get("store", 0), 3),
        "peak_rss_mb": round(peak, 1),
        "rss_growth_mb_per_10k": round(growth_per_10k(result["rss"]), 2),
    }))


if __name__ == "__main__":
    main()
