"""WARC ingest benchmark: `newscrawler ingest-warc` on one core and on all of them.

    python bench/warc.py --records 20000

1. Builds a WARC (gzip per record) from the real saved pages in ../shared/fixtures/raw, each
   with its address from eval/expected or SOURCES.tsv, repeated to N records with every URL
   made unique (a suffix on the last path segment). The copies' own canonical claims (`<link
   rel=canonical>`, og:url) are taken out, or every copy would be one article.
2. Reads it once with warcio and once with FastWARC (when installed): the reading alone.
3. Ingests it into a fresh archive with one worker (extraction inline: the baseline), then into
   another with every core, as `newscrawler ingest-warc` does but in this process, so the
   writer's CPU time (reading, storing) is told from the workers' (extracting); the resident
   memory of the whole process tree is sampled.

Prints a table, then as its last line one JSON object: records, articles, expected_articles,
pages_per_s, single_process_pages_per_s, speedup, peak_rss_mb, warcio_read_s, fastwarc_read_s,
read_share (warcio's reading as a share of the baseline ingest), cpu_s_single, cpu_s_writer,
cpu_s_workers, free_cores_speedup (the speedup this run's split of the work allows on idle
cores: the baseline's CPU time over the larger of the writer's and the workers' per core) and
load_avg (the machine's load when it started: on shared cores the measured speedup is bounded
by what the other processes leave).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import re
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "fixtures" / "raw"
EXPECTED = ROOT / "eval" / "expected"
sys.path.insert(0, str(ROOT))  # this checkout's newscrawler, also in the spawned workers
CANONICAL_CLAIMS = re.compile(
    rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>|<meta\b[^>]*\bproperty=[\"']og:url[\"'][^>]*>",
    re.I)
PAGE_SUFFIXES = (".html", ".htm", ".php")


@dataclass
class SavedPage:
    url: str
    kind: str  # "article" or "listing"
    body: bytes


def saved_pages(raw: Path, expected: Path) -> list[SavedPage]:
    """Every saved page with a known address: eval/expected first, then SOURCES.tsv."""
    found: dict[Path, tuple[str, str]] = {}
    for path in sorted(expected.glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[raw / path.parent.name / f"{path.stem}.html"] = (
            data["url"], "listing" if data.get("kind") == "listing" else "article")
    sources = raw / "SOURCES.tsv"
    if sources.is_file():
        with sources.open(encoding="utf-8") as table:
            for row in csv.DictReader(table, delimiter="\t"):
                page = raw / row["file"]
                if row.get("url") and page not in found:
                    found[page] = (row["url"], row["kind"])
    return [SavedPage(url, kind, CANONICAL_CLAIMS.sub(b"", page.read_bytes()))
            for page, (url, kind) in found.items() if page.is_file()]


def unique_url(url: str, copy: int) -> str:
    """The URL with `-c<copy>` on its last path segment (before .html); a site's home page
    with `?copy=<copy>`."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return url + ("&" if parts.query else "?") + f"copy={copy}"
    head, _, last = parts.path.rstrip("/").rpartition("/")
    for suffix in PAGE_SUFFIXES:
        if last.endswith(suffix):
            last = f"{last[:-len(suffix)]}-c{copy}{suffix}"
            break
    else:
        last = f"{last}-c{copy}"
    path = f"{head}/{last}" + ("/" if parts.path.endswith("/") else "")
    return urlunsplit(parts._replace(path=path))


def build_warc(pages: list[SavedPage], records: int, path: Path) -> int:
    """Write N response records cycling through the pages; the number that are articles of
    a described portal (what the ingest must store)."""
    from newscrawler.portals import portal_for_url
    from newscrawler.urls import canonical_url

    articles = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(records):
            page = pages[n % len(pages)]
            url = unique_url(page.url, n // len(pages))
            portal = portal_for_url(url)
            if page.kind == "article" and portal and portal.is_article_url(
                    canonical_url(url, portal)):
                articles += 1
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"),
                                               ("Date", "Sun, 01 Jun 2025 05:00:00 GMT")],
                                    protocol="HTTP/1.1")
            seconds = n % 86400
            date = f"2025-06-01T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(page.body), http_headers=http,
                warc_headers_dict={"WARC-Date": date}))
    return articles


def read_with_warcio(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            record.content_stream().read()
    return time.perf_counter() - started


def read_with_fastwarc(path: Path) -> float | None:
    try:
        from fastwarc.warc import ArchiveIterator as FastIterator
        from fastwarc.warc import WarcRecordType
    except ImportError:
        return None
    started = time.perf_counter()
    with path.open("rb") as stream:
        for record in FastIterator(stream, record_types=WarcRecordType.response,
                                   parse_http=True):
            record.reader.read()
    return time.perf_counter() - started


def tree_rss_mb(process: psutil.Process) -> float:
    """Resident memory of a process and its children (the worker processes)."""
    total = 0
    for each in (process, *process.children(recursive=True)):
        try:
            total += each.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


@dataclass
class Run:
    wall_s: float
    writer_cpu_s: float  # this process: reading records, storing
    workers_cpu_s: float  # the worker processes: extracting (0 with one worker: it is inline)
    peak_rss_mb: float  # of the whole process tree
    summary: str


def cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def ingest(warc: Path, db: Path, workers: int) -> Run:
    """What `newscrawler ingest-warc` does, in this process (so the writer's CPU time is told
    from the workers'), timed, the memory of the process tree sampled."""
    from newscrawler.storage import Archive
    from newscrawler.warc_ingest import Filters, Ingest

    peak, done = [0.0], threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not done.wait(0.2):
            peak[0] = max(peak[0], tree_rss_mb(me))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    writer, children = cpu_s(resource.RUSAGE_SELF), cpu_s(resource.RUSAGE_CHILDREN)
    with Archive(db) as archive:
        tally = Ingest(archive, Filters(), workers=workers).run([warc])
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return Run(elapsed, cpu_s(resource.RUSAGE_SELF) - writer,
               cpu_s(resource.RUSAGE_CHILDREN) - children, peak[0], tally.summary())


def stored_articles(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--raw", type=Path, default=RAW, help="the saved pages")
    parser.add_argument("--workers", type=int, default=0, help="all-cores run (0: every core)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the workers log at this level too
    if not args.raw.is_dir():
        print(f"bench/warc.py: the saved pages are missing: {args.raw} (a checkout of "
              "../shared/fixtures beside this repository)", file=sys.stderr)
        return 2
    pages = saved_pages(args.raw, EXPECTED)
    if not pages:
        print(f"bench/warc.py: no saved page with a known address in {args.raw}",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as scratch:
        load = os.getloadavg()[0]
        warc = Path(scratch) / "bench.warc.gz"
        expected = build_warc(pages, args.records, warc)
        warcio_s, fastwarc_s = read_with_warcio(warc), read_with_fastwarc(warc)
        one = ingest(warc, Path(scratch) / "one.db", 1)
        one_articles = stored_articles(Path(scratch) / "one.db")
        every = ingest(warc, Path(scratch) / "all.db", args.workers)
        all_articles = stored_articles(Path(scratch) / "all.db")
        size_mb = warc.stat().st_size / 2**20
    cores = args.workers or os.cpu_count()
    print(f"{len(pages)} saved pages -> {args.records} records ({size_mb:.0f} MB gzip), "
          f"{expected} of them articles of described portals; load average {load:.1f} on "
          f"{os.cpu_count()} cores when it started")
    print(f"reading only: warcio {warcio_s:.1f}s"
          + (f", FastWARC {fastwarc_s:.1f}s" if fastwarc_s else ", FastWARC not installed"))
    for name, run, stored in (("1 worker", one, one_articles),
                              (f"{cores} workers", every, all_articles)):
        print(f"{name}: {run.wall_s:.1f}s wall, CPU {run.writer_cpu_s:.1f}s writer + "
              f"{run.workers_cpu_s:.1f}s workers, {stored} articles, peak RSS "
              f"{run.peak_rss_mb:.0f} MB\n  {run.summary}")
    print(json.dumps({
        "records": args.records, "articles": all_articles, "expected_articles": expected,
        "pages_per_s": round(args.records / every.wall_s, 1),
        "single_process_pages_per_s": round(args.records / one.wall_s, 1),
        "speedup": round(one.wall_s / every.wall_s, 2),
        "peak_rss_mb": round(max(one.peak_rss_mb, every.peak_rss_mb), 1),
        "warcio_read_s": round(warcio_s, 2),
        "fastwarc_read_s": round(fastwarc_s, 2) if fastwarc_s else None,
        "read_share": round(warcio_s / one.wall_s, 3),
        "cpu_s_single": round(one.writer_cpu_s, 1),
        "cpu_s_writer": round(every.writer_cpu_s, 1),
        "cpu_s_workers": round(every.workers_cpu_s, 1),
        "free_cores_speedup": round(one.writer_cpu_s / max(
            every.writer_cpu_s, every.workers_cpu_s / cores), 2),
        "load_avg": round(load, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
