"""`ingest-warc` and `export --format warc` on WARC files built here with warcio's writer from
the project's own test pages: every record quirk the issue lists, and the round trip."""

from __future__ import annotations

import gzip
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawler.cli import main
from newscrawler.demo import SITE as DEMO_SITE
from newscrawler.demo import run_demo
from newscrawler.storage import Archive
from newscrawler.warc_ingest import Filters, Ingest, Progress, Tally

from .conftest import TEST_SITES

AKSI = DEMO_SITE / "aksi.id"
PAGES = {  # URL -> page: three articles of a described portal
    "https://www.aksi.id/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan":
        AKSI / "nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan.html",
    "https://www.aksi.id/internasional/tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-"
    "karabakh": AKSI / "internasional/tentara-azerbaijan-masuki-kalbajar-distrik-kedua-di-"
                       "karabakh.html",
    "https://www.aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang":
        TEST_SITES / "aksi.id/nasional/nelayan-kendari-panen-ikan-cakalang.html",
}
FIRST, SECOND, THIRD = PAGES
LISTING = "https://www.aksi.id/category/nasional/"
OTHER_HOST = "https://berita.example.org/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan"
HTML = [("Content-Type", "text/html; charset=UTF-8"),
        ("Date", "Wed, 03 Mar 2021 05:00:00 GMT")]
DATE = "2021-03-03T05:00:00Z"  # after the three were published


@dataclass
class Record:
    """One record as the test wants it written, quirks included."""

    url: str
    body: bytes = b""
    kind: str = "response"
    date: str = DATE
    headers: tuple[tuple[str, str], ...] = tuple(HTML)
    extra_crlf: bool = False  # the Common Crawl quirk: CRLF after the headers, length off by 2
    corrupt: bool = False  # a damaged gzip member; uncompressed: half a record, headless


def page(url: str) -> bytes:
    return PAGES[url].read_bytes()


def record_bytes(record: Record, gzipped: bool) -> bytes:
    """One record, written by warcio's writer (uncompressed), then given its quirk and its
    own gzip member."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    if record.kind == "response":
        http = StatusAndHeaders("200 OK", list(record.headers), protocol="HTTP/1.1")
        made = writer.create_warc_record(record.url, "response", payload=io.BytesIO(record.body),
                                         http_headers=http,
                                         warc_headers_dict={"WARC-Date": record.date})
    elif record.kind == "revisit":
        http = StatusAndHeaders("200 OK", list(record.headers), protocol="HTTP/1.1")
        made = writer.create_revisit_record(record.url, digest=digest_of(page(record.url)),
                                            refers_to_uri=record.url, refers_to_date=DATE,
                                            http_headers=http)
        made.rec_headers.replace_header("WARC-Date", record.date)
    else:  # a DNS answer: a response with no HTTP in it
        made = writer.create_warc_record(record.url, "resource", payload=io.BytesIO(record.body),
                                         warc_content_type="text/dns")
    writer.write_record(made)
    data = buffer.getvalue()
    if record.extra_crlf:
        end = data.index(b"\r\n\r\n", data.index(b"HTTP/1.1 200")) + 4
        data = data[:end] + b"\r\n" + data[end:]
    if gzipped:
        data = gzip.compress(data)
    if record.corrupt and gzipped:
        middle = len(data) // 2
        data = data[:middle] + b"\x00garbage\xff" * 8 + data[middle + 72:]
    elif record.corrupt:
        data = b"HTTP/1.1 200 OK\r\nno WARC header before this\r\n\r\n" + data[len(data) // 2:]
    return data


def digest_of(body: bytes) -> str:
    import base64
    import hashlib

    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def write_warc(path: Path, records: list[Record], *, truncate: int = 0) -> Path:
    data = b"".join(record_bytes(r, path.name.endswith(".gz")) for r in records)
    path.write_bytes(data[:len(data) - truncate] if truncate else data)
    return path


def ingest(db: Path, *files: Path, workers: int = 1, **filters: object) -> Tally:
    with Archive(db) as archive:
        return Ingest(archive, Filters(**filters), workers=workers).run(list(files))


def articles(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return {row["canonical_url"]: dict(row) for row in conn.execute("SELECT * FROM articles")}


def count(db: Path, table: str) -> int:
    return sqlite3.connect(db).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def three_articles() -> list[Record]:
    return [Record(url, page(url)) for url in PAGES]


@pytest.fixture(params=["warc", "warc.gz"])
def suffix(request: pytest.FixtureRequest) -> str:
    return request.param


# -- reading -----------------------------------------------------------------------------------


def test_reads_articles_gzip_per_record_and_uncompressed(tmp_path: Path, suffix: str) -> None:
    warc = write_warc(tmp_path / f"a.{suffix}", three_articles())
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.stored["new"] == 3 and not tally.skipped
    stored = articles(tmp_path / "news.db")
    first = stored[FIRST]
    assert first["title"].startswith("Petani Kopi Temanggung")
    assert first["published"] == "2020-11-24T10:10:00+07:00"
    assert first["crawled_at"] == "2021-03-03T05:00:00+00:00"  # the record's WARC-Date
    assert "Temanggung" in first["body"]
    pages = sqlite3.connect(tmp_path / "news.db").execute(
        "SELECT url, fetched_at, status, headers FROM pages ORDER BY id").fetchall()
    assert pages[0][:3] == (FIRST, "2021-03-03T05:00:00+00:00", 200)
    assert '"Date": "Wed, 03 Mar 2021 05:00:00 GMT"' in pages[0][3]


def test_second_run_over_the_same_files_adds_nothing(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", three_articles())
    db = tmp_path / "news.db"
    ingest(db, warc)
    again = ingest(db, warc)
    assert again.articles == 0 and again.skipped["already_stored"] == 3
    assert count(db, "articles") == 3 and count(db, "pages") == 3
    assert count(db, "crawl_runs") == 2  # one row per ingest


def test_revisit_is_resolved_to_the_response_it_repeats(tmp_path: Path, suffix: str) -> None:
    later = "2021-03-04T05:00:00Z"
    warc = write_warc(tmp_path / f"a.{suffix}", [
        Record(FIRST, page(FIRST)), Record(FIRST, kind="revisit", date=later)])
    tally = ingest(tmp_path / "news.db", warc)
    assert (tally.stored["new"], tally.stored["unchanged"]) == (1, 1)
    fetches = sqlite3.connect(tmp_path / "news.db").execute(
        "SELECT fetched_at, length(body) > 0 FROM pages ORDER BY id").fetchall()
    assert fetches == [("2021-03-03T05:00:00+00:00", 1), ("2021-03-04T05:00:00+00:00", 1)]


def test_revisit_of_a_record_not_at_hand_is_a_counted_skip(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", [Record(FIRST, kind="revisit")])
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.skipped == {"revisit_unresolved": 1}


def test_non_http_record_is_skipped(tmp_path: Path, suffix: str) -> None:
    warc = write_warc(tmp_path / f"a.{suffix}", [
        Record("dns:www.aksi.id", b"20201124050000\nwww.aksi.id. 300 IN A 10.0.0.1\n",
               kind="resource"), Record(FIRST, page(FIRST))])
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.stored["new"] == 1 and tally.skipped == {"not_response": 1}


def test_truncated_last_record_is_skipped_the_others_kept(tmp_path: Path, suffix: str) -> None:
    warc = write_warc(tmp_path / f"a.{suffix}", three_articles(), truncate=500)
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.stored["new"] == 2 and tally.skipped == {"truncated": 1}
    assert THIRD not in articles(tmp_path / "news.db")
    run = sqlite3.connect(tmp_path / "news.db").execute(
        "SELECT spider, pages_fetched, articles_new, errors_by_reason, outcome, ended_at "
        "FROM crawl_runs").fetchone()
    assert run[:5] == ("ingest-warc", 2, 2, '{"truncated": 1}', "ok") and run[5]


def test_bad_gzip_member_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    records = three_articles()
    records[1].corrupt = True
    warc = write_warc(tmp_path / "a.warc.gz", records)
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.skipped == {"bad_gzip_member": 1}
    assert set(articles(tmp_path / "news.db")) == {FIRST, THIRD}


def test_garbage_in_an_uncompressed_file_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    records = three_articles()
    records[1].corrupt = True
    tally = ingest(tmp_path / "news.db", write_warc(tmp_path / "a.warc", records))
    assert tally.skipped == {"bad_record": 1}
    assert set(articles(tmp_path / "news.db")) == {FIRST, THIRD}


def test_extra_crlf_and_content_length_off_by_two_are_tolerated(tmp_path: Path,
                                                                suffix: str) -> None:
    records = three_articles()
    for record in records:
        record.extra_crlf = True
    tally = ingest(tmp_path / "news.db", write_warc(tmp_path / f"a.{suffix}", records))
    assert tally.stored["new"] == 3 and not tally.skipped
    plain = tmp_path / "plain.db"
    ingest(plain, write_warc(tmp_path / f"b.{suffix}", three_articles()))
    quirky, clean = articles(tmp_path / "news.db"), articles(plain)
    assert {k: v["body"] for k, v in quirky.items()} == {k: v["body"] for k, v in clean.items()}


def test_chunked_and_compressed_payload_as_sent(tmp_path: Path) -> None:
    body = page(FIRST)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                       for part in (body[:1000], body[1000:])) + b"0\r\n\r\n"
    headers = (*HTML, ("Transfer-Encoding", "chunked"))
    zipped = (*HTML, ("Content-Encoding", "gzip"))
    warc = write_warc(tmp_path / "a.warc.gz", [
        Record(FIRST, chunked, headers=headers),
        Record(SECOND, gzip.compress(page(SECOND)), headers=zipped)])
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.stored["new"] == 2
    stored = sqlite3.connect(tmp_path / "news.db").execute(
        "SELECT headers FROM pages ORDER BY id").fetchall()
    assert all("chunked" not in h and "gzip" not in h for (h,) in stored)
    with Archive(tmp_path / "news.db", readonly=True) as archive:
        assert [p.body for p in archive.iter_pages()] == [body, page(SECOND)]


def test_other_host_is_skipped_unless_any_host(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", [Record(OTHER_HOST, page(FIRST))])
    assert ingest(tmp_path / "one.db", warc).skipped == {"other_host": 1}
    tally = ingest(tmp_path / "two.db", warc, any_host=True)
    assert tally.stored["new"] == 1
    stored = articles(tmp_path / "two.db")
    [row] = stored.values()
    assert row["portal"] is None and row["title"].startswith("Petani Kopi")


def test_listing_page_and_non_html_are_skipped(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", [
        Record(LISTING, (AKSI / "index.html").read_bytes()),
        Record("https://www.aksi.id/feed/", (AKSI / "feed/index.xml").read_bytes(),
               headers=(("Content-Type", "application/rss+xml"),)),
        Record(FIRST, page(FIRST))])
    tally = ingest(tmp_path / "news.db", warc)
    assert tally.skipped == {"not_article": 1, "not_html": 1}
    assert tally.stored["new"] == 1


def test_consecutive_pages_of_an_article_are_read_as_one(tmp_path: Path) -> None:
    site = TEST_SITES / "multipage/okezone.com"
    url = "https://news.okezone.com/read/2021/12/21/337/2519999/petani-tembakau-temanggung-bersiap-panen"
    pages = [Record(url + (f"?page={n}" if n > 1 else ""),
                    (site / f"petani-tembakau-page-{n}.html").read_bytes()) for n in (1, 2, 3)]
    tally = ingest(tmp_path / "news.db", write_warc(tmp_path / "a.warc.gz", pages))
    assert tally.stored["new"] == 1 and not tally.skipped
    [article] = articles(tmp_path / "news.db").values()
    page_texts = [(site / f"petani-tembakau-page-{n}.html").read_text() for n in (1, 2, 3)]
    assert all(any(line.strip() and line.strip() in text for line in article["body"].split("\n"))
               for text in page_texts)
    parts = sqlite3.connect(tmp_path / "news.db").execute(
        "SELECT url, part FROM pages ORDER BY part").fetchall()
    assert parts == [(r.url, n) for n, r in enumerate(pages, start=1)]
    alone = ingest(tmp_path / "other.db", write_warc(tmp_path / "b.warc.gz", pages[1:2]))
    assert alone.skipped == {"later_page": 1} and count(tmp_path / "other.db", "articles") == 0


def test_since_until_filter_by_publication_day(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", three_articles())
    tally = ingest(tmp_path / "news.db", warc, since="2020-11-25", until="2020-11-30")
    assert tally.stored["new"] == 1 and tally.skipped == {"outside_window": 2}
    assert set(articles(tmp_path / "news.db")) == {SECOND}


def test_worker_processes_give_what_one_process_gives(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", three_articles() * 2)
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    ingest(one, warc, workers=1)
    tally = ingest(two, warc, workers=2)
    assert tally.stored["new"] == 3 and tally.skipped["already_stored"] == 3
    strip = ("id", "first_seen", "last_seen", "content_since")
    assert ({k: {c: v for c, v in row.items() if c not in strip}
             for k, row in articles(one).items()}
            == {k: {c: v for c, v in row.items() if c not in strip}
                for k, row in articles(two).items()})


def test_cli_ingest_warc_summary_and_bad_paths(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    warc = write_warc(tmp_path / "a.warc.gz", three_articles())
    db = str(tmp_path / "news.db")
    assert main(["ingest-warc", str(tmp_path), "--db", db, "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "articles new 3" in out and "1 WARC files" in out
    assert main(["ingest-warc", str(tmp_path / "missing.warc"), "--db", db]) == 2
    assert "no such file" in capsys.readouterr().err
    assert warc.is_file()


# -- export and the round trip -----------------------------------------------------------------


def test_export_is_one_response_per_raw_page_with_digests(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    ingest(db, write_warc(tmp_path / "a.warc.gz", three_articles()))
    out = tmp_path / "out.warc.gz"
    assert main(["export", "--format", "warc", "-o", str(out), "--db", str(db),
                 "--since", "2020-11-25", "--until", "2020-11-30"]) == 0
    with out.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.rec_headers.get_header("WARC-Date"),
                    r.rec_headers.get_header("WARC-Payload-Digest"),
                    r.content_stream().read())
                   for r in ArchiveIterator(stream, check_digests=True)]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, url, date, digest, body = records[1]
    assert (url, date, digest, body) == (SECOND, DATE, digest_of(page(SECOND)), page(SECOND))
    assert out.read_bytes()[:2] == b"\x1f\x8b"


@pytest.mark.slow
def test_round_trip_crawl_export_ingest_gives_the_same_articles(tmp_path: Path) -> None:
    crawled, exported, ingested = tmp_path / "a.db", tmp_path / "a.warc.gz", tmp_path / "b.db"
    run_demo(crawled)
    assert main(["export", "--format", "warc", "-o", str(exported), "--db", str(crawled)]) == 0
    mirror = sqlite3.connect(crawled).execute("SELECT url FROM pages LIMIT 1").fetchone()[0]
    origin = "/".join(mirror.split("/")[:3])
    assert main(["ingest-warc", str(exported), "--db", str(ingested), "--mirror", origin]) == 0
    own = ("id", "first_seen", "last_seen", "content_since")
    before, after = articles(crawled), articles(ingested)
    assert len(before) == 5
    assert set(after) == set(before)
    for key, row in before.items():
        assert {c: v for c, v in after[key].items() if c not in own} == \
            {c: v for c, v in row.items() if c not in own}, key
    for table in ("article_authors", "article_tags", "images"):
        assert count(ingested, table) == count(crawled, table)
    assert count(ingested, "pages") == count(crawled, "pages")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal_only() -> None:
    tally = Tally(records=1200)
    tally.stored["new"] = 300
    screen, log = Terminal(), io.StringIO()
    Progress(screen)(tally, final=True)
    Progress(log)(tally, final=True)
    assert "1200 records, 300 articles" in screen.getvalue() and "records/s" in screen.getvalue()
    assert log.getvalue() == ""
