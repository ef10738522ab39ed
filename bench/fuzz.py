"""Mutation fuzzing of the readers on the real saved pages: crashes, hangs, lost pages, memory.

Run as `python bench/fuzz.py [--mutations 10000] [--raw ../shared/fixtures/raw] [--seed 13]`.
Each mutation takes one saved page (articles and listing pages of ../shared/fixtures/raw),
changes it the way a hostile site or a broken template would, and runs it through `extract`
(the whole article path), the listing/feed link readers, the sitemap reader (on a sitemap or
feed built from the page's links, mutated as well) and the date parser (on a mutated date
line). Calls run in a worker process with a time limit each (`--timeout`, default 10 s): a
call over it is a hang, and the worker is replaced.

- crash: any exception (the one path answers every page with an article or a Drop).
- hang: a call over the time limit.
- lost: an article page the unmutated reading keeps, dropped after a mutation a browser shows
  the same article through (control characters, a NUL byte, deep nesting, an attribute flood,
  a 10 MB inline image, bracketed-host URLs, odd JSON-LD, a wrong charset header, zero-width
  spaces, lone surrogate references). Destructive mutations (flipped bytes, cuts, splices) may
  lose a page; they count only when they crash or hang.
- peak_rss_mb: the largest resident set of a worker.

Times are printed as ratios to the unmutated pages read in the same run. The last line is one
JSON object: {"mutations", "crashes", "hangs", "lost", "peak_rss_mb"}.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import multiprocessing
import random
import resource
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawler.dates import parse_date  # noqa: E402
from newscrawler.extract.links import feed_links, listing_links, page_links  # noqa: E402
from newscrawler.extract.sitemaps import SitemapError, sitemap_entries  # noqa: E402
from newscrawler.items import Article  # noqa: E402
from newscrawler.page import extract  # noqa: E402

DEFAULT_RAW = ROOT.parent / "shared" / "fixtures" / "raw"
EXPECTED = ROOT / "eval" / "expected"
MAX_SITEMAP = 20 * 1024 * 1024
DATE_LINES = ("Rabu, 25 Nov 2020 20:41 WIB", "2 jam yang lalu", "Senin (16/2) 09.10",
              "08:15 WIB", "Kompas.com - 25/11/2020, 14:30 WIB", "sebulan lalu")


@dataclass(frozen=True)
class Page:
    path: Path
    url: str
    listing: bool


def load_pages(raw: Path) -> list[Page]:
    """Every saved .html page with its URL (expected output, else SOURCES.tsv, else made up)."""
    sources: dict[str, dict[str, str]] = {}
    index = raw / "SOURCES.tsv"
    if index.is_file():
        with index.open(encoding="utf-8") as rows:
            sources = {row["file"]: row for row in csv.DictReader(rows, delimiter="\t")}
    pages = []
    for path in sorted(raw.glob("*/*.html")):
        relative = f"{path.parent.name}/{path.name}"
        row = sources.get(relative, {})
        expected_file = EXPECTED / path.parent.name / f"{path.stem}.json"
        expected = json.loads(expected_file.read_text()) if expected_file.is_file() else {}
        url = expected.get("url") or row.get("url") or f"https://{path.parent.name}/{path.stem}"
        listing = expected.get("kind", row.get("kind")) == "listing"
        pages.append(Page(path, url, listing))
    return pages


# -- mutations ------------------------------------------------------------------------------
# Each takes (page bytes, random source, another page's bytes) and returns (bytes, content type).

Mutation = Callable[[bytes, random.Random, bytes], tuple[bytes, str | None]]


def _text_positions(html: bytes, rng: random.Random, count: int) -> list[int]:
    """Positions just after a '>' (the start of a text node), chosen at random."""
    ends = [i + 1 for i in range(len(html)) if html[i] == 0x3E] if len(html) < 4_000_000 else []
    return sorted(rng.sample(ends, min(count, len(ends)))) if ends else [len(html)]


def _insert_at(html: bytes, positions: list[int], piece: Callable[[], bytes]) -> bytes:
    out, last = [], 0
    for position in positions:
        out += [html[last:position], piece()]
        last = position
    return b"".join([*out, html[last:]])


def _after_body(html: bytes, piece: bytes) -> bytes:
    at = html.lower().find(b"<body")
    at = html.find(b">", at) + 1 if at >= 0 else 0
    return html[:at] + piece + html[at:]


def _in_head(html: bytes, piece: bytes) -> bytes:
    at = html.lower().find(b"</head>")
    return html[:at] + piece + html[at:] if at >= 0 else piece + html


def control_chars(html, rng, _):
    chars = ["\x0b", "\x0c", "\x01", "\x1f", "\ufffe", "\x7f"]
    return _insert_at(html, _text_positions(html, rng, 20),
                      lambda: rng.choice(chars).encode()), None


def nul_byte(html, rng, _):
    head = [p for p in _text_positions(html[:2048], rng, 3) if p < 2048]
    return _insert_at(html, head, lambda: b"\x00"), None


def deep_nesting(html, rng, _):
    depth = rng.choice([300, 1200, 2600, 5000])
    tags = rng.choice([[b"<div>"], [b"<font size=2>"], [b"<span>"], [b"<blockquote>"],
                       [b"<div>", b"<font>"], [b"<div id=d%d>" % n for n in range(depth)]])
    return _after_body(html, b"".join(tags[n % len(tags)] for n in range(depth))), None


def attribute_flood(html, rng, _):
    count = rng.choice([2_000, 20_000, 80_000])
    flood = b" ".join(b'data-a%d="x"' % n for n in range(count))
    return _after_body(html, b"<div " + flood + b"></div>"), None


def huge_inline_image(html, rng, _):
    data = b"A" * rng.choice([1_000_000, 11_000_000])
    return _after_body(html, b'<img src="data:image/png;base64,' + data + b'">'), None


def bracketed_urls(html, rng, _):
    pieces = [b'<img src="http://[IMAGE_URL]/foto.jpg">', b'<a href="http://[x">x</a>',
              b'<a href="http://[::1">y</a>', b'<img data-src="https://[gambar]/a.png">']
    mutated = _insert_at(html, _text_positions(html, rng, 5), lambda: rng.choice(pieces))
    meta = (b'<link rel="canonical" href="http://[x"><meta property="og:image" '
            b'content="http://[IMAGE_URL]/og.jpg"><meta property="og:url" content="http://[x">')
    return _in_head(mutated, meta), None


def odd_jsonld(html, rng, _):
    blocks = ['{"@type": null, "headline": "x"}', '{"@type": 5}', '{"@type": {"a": 1}}',
              '{"@graph": ' * 900 + "{}" + "}" * 900, "[" * 3000 + "]" * 3000,
              '{"@type": "NewsArticle", "author": 5, "datePublished": ["x"], "keywords": 7}']
    script = f'<script type="application/ld+json">{rng.choice(blocks)}</script>'.encode()
    return _in_head(html, script), None


def wrong_charset(html, rng, _):
    return html, rng.choice(["text/html; charset=iso-8859-1", "text/html; charset=utf-16",
                             "text/html; charset=utf-8", "text/html; charset=x-unknown",
                             "text/html; charset=windows-1252"])


def zero_width(html, rng, _):
    return _insert_at(html, _text_positions(html, rng, 30),
                      lambda: rng.choice(["\u200b", "\u200d", "\ufeff", "\u00ad"]).encode()), None


def surrogate_refs(html, rng, _):
    return _insert_at(html, _text_positions(html, rng, 5),
                      lambda: rng.choice([b"&#xD800;", b"&#xDFFF;", b"&#0;", b"&#x110000;"])), None


def flip_bytes(html, rng, _):
    data = bytearray(html)
    for _ in range(rng.randint(1, 200)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), None


def cut(html, rng, _):
    return html[: rng.randrange(len(html) + 1)], None


def shuffle_chunks(html, rng, _):
    size = max(1, len(html) // 20)
    chunks = [html[i:i + size] for i in range(0, len(html), size)]
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(chunks))
        action = rng.random()
        if action < 0.4:
            chunks.insert(i, chunks[rng.randrange(len(chunks))])
        elif action < 0.8 and len(chunks) > 1:
            del chunks[i]
        else:
            rng.shuffle(chunks)
    return b"".join(chunks), None


def splice(html, rng, other):
    return html[: rng.randrange(len(html) + 1)] + other[rng.randrange(len(other) + 1):], None


def tag_soup(html, rng, _):
    junk = [b"<", b"</div>" * 50, b"<p", b"<!--", b"<![CDATA[", b"<script>", b"</html>",
            b"<table><tr><td>", b"&", b"&#", b"\"'", b"<?xml", b"<body>", b"<html>"]
    return _insert_at(html, _text_positions(html, rng, 20), lambda: rng.choice(junk)), None


BENIGN: dict[str, Mutation] = {f.__name__: f for f in (
    control_chars, nul_byte, deep_nesting, attribute_flood, huge_inline_image, bracketed_urls,
    odd_jsonld, wrong_charset, zero_width, surrogate_refs)}
DESTRUCTIVE: dict[str, Mutation] = {f.__name__: f for f in (
    flip_bytes, cut, shuffle_chunks, splice, tag_soup)}
RARE = {"huge_inline_image": 0.15}  # heavy: drawn less often


def choose_mutation(rng: random.Random) -> str:
    while True:
        name = rng.choice([*BENIGN, *DESTRUCTIVE])
        if rng.random() < RARE.get(name, 1.0):
            return name


# -- the calls ------------------------------------------------------------------------------

def link_documents(html: bytes, url: str) -> tuple[bytes, bytes]:
    """A sitemap and an RSS feed holding the page's links, for the XML readers."""
    links = [link.replace("&", "&amp;").replace("<", "&lt;")
             for link in list(page_links(html, url))[:300]]
    urls = "".join(f"<url><loc>{link}</loc><lastmod>2020-11-25</lastmod></url>" for link in links)
    items = "".join(f"<item><link>{link}</link></item>" for link in links)
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               f"{urls}</urlset>").encode()
    return sitemap, f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()


def read_all(page: Page, html: bytes, content_type: str | None, rng: random.Random) -> bool:
    """Every reader on one (mutated) page; True when an article page was kept as an article."""
    kept = False
    kept = isinstance(extract(html, page.url, content_type=content_type), Article)
    listing_links(html, page.url)
    sitemap, feed = link_documents(html, page.url)
    xml_name = rng.choice([*DESTRUCTIVE, None])
    if xml_name:
        sitemap, _ = DESTRUCTIVE[xml_name](sitemap, rng, feed)
        feed, _ = DESTRUCTIVE[xml_name](feed, rng, sitemap)
    if rng.random() < 0.2:
        sitemap = gzip.compress(sitemap)
    try:
        for _ in sitemap_entries(sitemap, MAX_SITEMAP):
            pass
    except SitemapError:
        pass
    list(feed_links(feed, page.url))
    line = rng.choice(DATE_LINES).encode()
    mutated_line, _ = rng.choice([*BENIGN.values(), *DESTRUCTIVE.values()])(line, rng, line)
    parse_date(mutated_line.decode("utf-8", "replace"))
    return kept


def worker(pages: list[Page], connection: Connection) -> None:
    """Answers (page index, mutation name or None, seed) with (outcome, detail, peak RSS KB)."""
    logging.disable(logging.WARNING)  # "fell back to the generic extractor", per mutation
    bodies = [p.path.read_bytes() for p in pages]
    while True:
        task = connection.recv()
        if task is None:
            return
        index, name, seed = task
        rng = random.Random(seed)
        html, content_type = bodies[index], None
        if name:
            mutate = BENIGN.get(name) or DESTRUCTIVE[name]
            html, content_type = mutate(html, rng, bodies[rng.randrange(len(bodies))])
        try:
            outcome, detail = ("kept" if read_all(pages[index], html, content_type, rng)
                               else "dropped"), ""
        except Exception as exc:  # noqa: BLE001 (a crash is what we count)
            outcome = "crash"
            detail = f"{type(exc).__name__}: {exc}"[:300] + "\n" + traceback.format_exc(limit=-3)
        connection.send((outcome, detail, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class Worker:
    """A worker process and its pipe; replaced after a hang."""

    def __init__(self, pages: list[Page]):
        self.connection, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=worker, args=(pages, child), daemon=True)
        self.process.start()

    def call(self, task: tuple[int, str | None, int], timeout: float):
        self.connection.send(task)
        if not self.connection.poll(timeout):
            return None
        return self.connection.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the saved real pages")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    args = parser.parse_args()
    if not args.raw.is_dir():
        print(f"bench/fuzz.py: the saved pages are missing: {args.raw} is not a directory "
              "(it holds ../shared/fixtures/raw; give --raw)", file=sys.stderr)
        return 2
    pages = load_pages(args.raw)
    if not pages:
        print(f"bench/fuzz.py: no saved pages (*/*.html) in {args.raw}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    worker_process = Worker(pages)
    peak_kb = 0

    def run(task: tuple[int, str | None, int]) -> tuple[str, str, float]:
        nonlocal worker_process, peak_kb
        started = time.perf_counter()
        answer = worker_process.call(task, args.timeout)
        elapsed = time.perf_counter() - started
        if answer is None:
            worker_process.stop()
            worker_process = Worker(pages)
            return "hang", f"over {args.timeout} s", elapsed
        outcome, detail, rss_kb = answer
        peak_kb = max(peak_kb, rss_kb)
        return outcome, detail, elapsed

    baseline: dict[int, bool] = {}
    baseline_time = 0.0
    for index in range(len(pages)):  # unmutated: what a mutation may not lose
        outcome, detail, elapsed = run((index, None, args.seed))
        baseline[index] = outcome == "kept"
        baseline_time += elapsed
        if outcome in ("crash", "hang"):
            print(f"unmutated {pages[index].path.name}: {outcome} {detail}")
    per_page = baseline_time / len(pages)

    counts: Counter[str] = Counter()
    by_mutation: Counter[tuple[str, str]] = Counter()
    mutated_time = 0.0
    examples: dict[tuple[str, str], str] = {}
    for n in range(args.mutations):
        index = rng.randrange(len(pages))
        name = choose_mutation(rng)
        outcome, detail, elapsed = run((index, name, rng.randrange(1 << 30)))
        mutated_time += elapsed
        if outcome == "dropped" and name in BENIGN and baseline[index] and not pages[index].listing:
            outcome = "lost"
            detail = f"{pages[index].path.parent.name}/{pages[index].path.name}"
        if outcome in ("crash", "hang", "lost"):
            counts[outcome] += 1
            by_mutation[(outcome, name)] += 1
            examples.setdefault((outcome, name), f"{pages[index].path.name}: {detail}")
        if (n + 1) % 1000 == 0:
            print(f"{n + 1} mutations: {dict(counts) or 'no findings'}", flush=True)
    worker_process.connection.send(None)
    worker_process.stop()

    articles = sum(kept and not pages[i].listing for i, kept in baseline.items())
    print(f"\n{len(pages)} saved pages ({articles} articles read as such), "
          f"{args.mutations} mutations, time limit {args.timeout} s per call")
    print(f"time per mutated page: {mutated_time / max(args.mutations, 1) / per_page:.2f}x "
          f"the unmutated pages ({per_page * 1000:.1f} ms per page in this run)")
    for (outcome, name), count in sorted(by_mutation.items()):
        print(f"  {outcome:6} {name:18} {count:5}  e.g. {examples[(outcome, name)][:400]}")
    summary = {"mutations": args.mutations, "crashes": counts["crash"], "hangs": counts["hang"],
               "lost": counts["lost"], "peak_rss_mb": round(peak_kb / 1024, 1)}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
