"""Archive write and search speed: N synthetic articles through the real storage code.

Each article has 2-8 KB of Indonesian-like text (a Zipf-distributed vocabulary plus names of
people and places), 1-2 authors, 2-5 tags, 1-2 images and a raw HTML page around it. Only the
time spent inside `Archive.store`/`close` counts as writing (making the articles does not).
The baseline, measured in the same run on the first articles, is a flat `insert_all` of the
same rows into one table with sqlite-utils (no search index, no linked tables, no pages), so
the ratio says what the archive's extras cost. Each rate is also given per CPU second of this
process (`cpu_ratio_...`): a long run on a shared machine meets other load than its baseline
did a minute in, which moves wall-clock ratios. Then full-text searches as a reader would type
them (a name, a name and a word, two words) time `Archive.search`.

    python bench/storage.py --n 20000
    python bench/storage.py --n 1000000 --db /tmp/bench-news.db
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from newscrawler.items import Article, RawPage
from newscrawler.page import finish
from newscrawler.portals import load_portals
from newscrawler.storage import Archive

COMMON = """yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke karena sudah
ada bisa oleh telah saat masih lebih kata para kami mereka kita sebagai tersebut namun hingga
setelah bahwa menjadi secara agar warga pemerintah daerah kota kabupaten provinsi presiden
menteri polisi sekolah harga pasar rupiah tahun bulan hari minggu pagi malam jalan rumah desa
banyak baru besar kecil tinggi rendah naik turun sejumlah kembali terus mulai masyarakat
petani nelayan pedagang anak ibu bapak kepala dinas kantor rakyat negara pembangunan jembatan
sungai hujan banjir panen beras kopi teh garam ikan laut pulau gunung hutan listrik air bersih
kesehatan rumah sakit dokter pasien vaksin ekonomi investasi ekspor impor bank kredit pajak
anggaran pemilihan umum partai calon suara hasil rapat sidang hakim jaksa perkara""".split()
SYLLABLES = "ba be bi bo bu ka ke ki ko ku la li lu ma me mi mu na ni nu pa pe pi ra ri ru sa " \
            "se si su ta te ti tu ga gi gu ja ju da di du ha wa ya nga nya".split()
PREFIXES = ("me", "mem", "men", "meng", "ber", "di", "ke", "pe", "pen", "ter", "se", "")
SUFFIXES = ("kan", "an", "nya", "i", "lah", "", "", "")
FIRST_NAMES = "Budi Siti Agus Dewi Rina Andi Wayan Made Putu Ketut Eko Sri Joko Yanti Hendra " \
              "Fajar Nur Rizki Ayu Bambang Slamet Wahyu Indah Lestari Arif Yusuf Fitri".split()
LAST_NAMES = "Santoso Wijaya Saputra Hidayat Nugroho Pratama Kusuma Siregar Nasution Lubis " \
             "Simanjuntak Harahap Tanjung Sinaga Rahman Hakim Setiawan Gunawan Halim".split()
PLACES = "Lebak Temanggung Banjarmasin Makassar Jayapura Kupang Ambon Ternate Palu Kendari " \
         "Manado Gorontalo Mataram Denpasar Singaraja Malang Kediri Madiun Blitar Jember " \
         "Banyuwangi Cirebon Tasikmalaya Garut Sukabumi Bogor Bekasi Tangerang Serang Cilegon " \
         "Padang Bukittinggi Pekanbaru Dumai Jambi Bengkulu Palembang Lampung Pontianak " \
         "Samarinda Balikpapan Tarakan Sorong Merauke Kalbajar Karabakh".split()


class TextMaker:
    """Indonesian-like words with a Zipf-like frequency: common words first, a long tail of
    affixed syllable words, and people and places mentioned a few times per article."""

    def __init__(self, rng: random.Random, tail: int = 30_000):
        self.rng = rng
        tail_words = {self._word() for _ in range(tail)}
        self.vocab = COMMON + sorted(tail_words - set(COMMON))
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.vocab))]
        self.cum_weights = list(itertools.accumulate(weights))
        self.people = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
        self.names = sorted({self._word().capitalize() for _ in range(3000)} - set(self.vocab))
        self.tags = [w.capitalize() for w in self.vocab[120:5120]] + PLACES

    def _word(self) -> str:
        stem = "".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 3)))
        return self.rng.choice(PREFIXES) + stem + self.rng.choice(SUFFIXES)

    def mention(self) -> str:
        """A place (a few dozen, each in a few percent of articles) or a person's name (rare)."""
        return self.rng.choice(PLACES if self.rng.random() < 0.3 else self.names)

    def words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum_weights, k=k)

    def paragraphs(self, size: int) -> list[str]:
        """About `size` bytes of text in paragraphs of 40-90 words, with a few names in it."""
        words = self.words(size // 7)
        for _ in range(self.rng.randint(2, 6)):
            words.insert(self.rng.randrange(len(words)), self.mention())
        out, start = [], 0
        while start < len(words):
            end = start + self.rng.randint(40, 90)
            sentence = " ".join(words[start:end])
            out.append(sentence[:1].upper() + sentence[1:] + ".")
            start = end
        return out

    def common_word(self) -> str:
        """A word as frequent as a reader's second search term (ranks 100-1500)."""
        return self.vocab[self.rng.randint(100, 1500)]


PAGE_HEAD = ("<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{title}</title>"
             "<meta property='og:title' content='{title}'><script>" + "var ads=[];" * 300 +
             "</script></head><body><nav>" + "".join(
                 f"<a href='/kanal/{i}'>Kanal {i}</a>" for i in range(120)) + "</nav><article>")
PAGE_TAIL = ("</article><aside>" + "".join(
    f"<a href='/berita/{i}'>Berita terkait nomor {i} hari ini</a>" for i in range(80)) +
    "</aside><footer>Hak cipta dilindungi undang-undang.</footer></body></html>")


def make_article(n: int, text: TextMaker, portals: list[tuple[str, str]]) -> Article:
    rng = text.rng
    portal, domain = portals[n % len(portals)]
    title_words = text.words(rng.randint(6, 10)) + [text.mention()]
    title = " ".join(title_words).capitalize()
    paragraphs = text.paragraphs(rng.randint(2000, 8000))
    day = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    published = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+07:00"
    url = f"https://www.{domain}/berita/{day.replace('-', '/')}/{n}-{'-'.join(title_words[:5])}"
    body_html = f"<h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
    article = Article(
        url=url, canonical_url=url, portal=portal, title=title,
        description=" ".join(text.words(25)), authors=rng.sample(text.people, rng.randint(1, 2)),
        published=published, published_source="jsonld", section=rng.choice(COMMON[40:60]),
        tags=rng.sample(text.tags, rng.randint(2, 5)), body="\n\n".join(paragraphs),
        images=[{"url": f"https://img.{domain}/{n}/{i}.jpg", "caption": title}
                for i in range(rng.randint(1, 2))],
        language="id", extraction="portal:default",
        pages=[RawPage(url=url, status=200, fetched_at=f"{day}T12:00:00+00:00",
                     body=(PAGE_HEAD.format(title=title) + body_html + PAGE_TAIL).encode(),
                     headers={"Content-Type": "text/html; charset=utf-8",
                              "Date": "Wed, 25 Nov 2020 05:00:00 GMT"})])
    return finish(article)


def articles(n: int, seed: int) -> Iterator[Article]:
    text = TextMaker(random.Random(seed))
    portals = [(p.id, p.domains[0]) for p in load_portals().values()]
    for i in range(n):
        yield make_article(i, text, portals)


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    """Wall-clock and CPU seconds spent inside `with` blocks. On a shared machine the load
    others put on it changes the wall clock of a long run; this process's CPU time much less."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._started[0]
        self.cpu += time.process_time() - self._started[1]


def write_archive(db: Path, n: int, seed: int, batch_size: int) -> tuple[Stopwatch, list[float]]:
    """Store n articles; time spent in the archive, and RSS at each tenth of the way."""
    spent, samples = Stopwatch(), []
    archive = Archive(db, batch_size=batch_size)
    archive.begin_run(["bench"], spider="bench")
    checkpoint = max(1, n // 10)
    for i, article in enumerate(articles(n, seed), 1):
        with spent:
            archive.store(article)
        if i % checkpoint == 0:
            samples.append(round(rss_mb(), 1))
            print(f"  {i:>9} stored  {i / spent.wall:8.0f} articles/s  {i / spent.cpu:8.0f} "
                  f"per CPU s  rss {samples[-1]} MB", file=sys.stderr, flush=True)
    with spent:
        archive.close()
    return spent, samples


def baseline_time(db: Path, n: int, seed: int, batch_size: int, *, fts: bool) -> Stopwatch:
    """Time of a flat sqlite-utils insert_all of the same rows into one table: with `fts`,
    kept in an FTS5 index by sqlite-utils' triggers (the floor search costs), else bare."""
    table = sqlite_utils.Database(db)["articles"]
    table.create({"url": str, "title": str, "description": str, "body": str}, pk="url")
    if fts:
        table.enable_fts(["title", "description", "body"], create_triggers=True,
                         tokenize="unicode61 remove_diacritics 2")
    spent = Stopwatch()
    batch: list[dict] = []
    for i, article in enumerate(articles(n, seed), 1):
        row = article.to_dict()
        batch.append({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
        if len(batch) == batch_size or i == n:
            with spent:
                table.insert_all(batch, alter=True)
            batch.clear()
    return spent


def queries(count: int, seed: int) -> list[str]:
    """A reader's searches: a place; a person's name; a name and a word; two frequent-enough
    words (in turn)."""
    text = TextMaker(random.Random(seed))
    rng = random.Random(seed + 1)
    kinds = [
        lambda: rng.choice(PLACES),
        lambda: rng.choice(text.names),
        lambda: f"{rng.choice(text.names)} {text.common_word()}",
        lambda: f"{text.common_word()} {text.common_word()}",
    ]
    return [kinds[i % len(kinds)]() for i in range(count)]


def time_searches(db: Path, searches: list[str]) -> tuple[list[float], float]:
    """Milliseconds per search (20 best matches with snippets), and mean hits per search."""
    timings, hits = [], 0
    with Archive(db, readonly=True) as archive:
        archive.search(searches[0])  # warm the page cache once, as a running server would be
        for query in searches:
            start = time.perf_counter()
            hits += len(archive.search(query, limit=20))
            timings.append((time.perf_counter() - start) * 1000)
    return timings, hits / len(searches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles to store")
    parser.add_argument("--db", type=Path, help="archive to create (default: a temporary one)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-n", type=int, default=10_000,
                        help="articles for the flat-insert baseline (at most --n)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        db = args.db or Path(tmp) / "news.db"
        if db.exists():
            sys.exit(f"{db} exists: give a new path")
        base_n = min(args.n, args.baseline_n)
        flat, fts = (baseline_time(Path(tmp) / f"baseline-{fts}.db", base_n, args.seed,
                                   args.batch_size, fts=fts) for fts in (False, True))
        print(f"baselines: flat insert {base_n / flat.wall:.0f}/s, flat insert + FTS5 "
              f"{base_n / fts.wall:.0f}/s ({base_n / fts.cpu:.0f} per CPU s)",
              file=sys.stderr, flush=True)
        spent, samples = write_archive(db, args.n, args.seed, args.batch_size)
        rate, cpu_rate = args.n / spent.wall, args.n / spent.cpu
        flat_rate, fts_rate, fts_cpu_rate = base_n / flat.wall, base_n / fts.wall, base_n / fts.cpu
        db_mb = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20
        timings, mean_hits = time_searches(db, queries(args.queries, args.seed))
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"stored {args.n} articles in {spent.wall:.1f} s: {rate:.0f} articles/s "
              f"({cpu_rate:.0f} per CPU second)")
        print(f"baselines on the first {base_n}: flat insert {flat_rate:.0f}/s (ratio "
              f"{rate / flat_rate:.2f}), flat insert + FTS5 {fts_rate:.0f}/s (ratio "
              f"{rate / fts_rate:.2f}; per CPU second {fts_cpu_rate:.0f}, ratio "
              f"{cpu_rate / fts_cpu_rate:.2f})")
        print(f"rss at each tenth (MB): {samples}; peak {peak_rss_mb():.0f} MB")
        print(f"{len(timings)} searches: median {statistics.median(timings):.1f} ms, "
              f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms, {mean_hits:.1f} hits each")
        print(f"archive {db_mb:.0f} MB ({db_mb * 1024 / args.n:.1f} KB per article)")
        print(json.dumps({"n": args.n, "articles_per_s": round(rate),
                          "fts_median_ms": round(statistics.median(timings), 2),
                          "fts_p95_ms": round(p95, 2), "db_mb": round(db_mb),
                          "rss_mb": round(peak_rss_mb()),
                          "ratio_to_flat_insert": round(rate / flat_rate, 3),
                          "ratio_to_flat_fts_insert": round(rate / fts_rate, 3),
                          "cpu_ratio_to_flat_fts_insert": round(cpu_rate / fts_cpu_rate, 3)}))


if __name__ == "__main__":
    main()
