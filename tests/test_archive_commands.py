"""`newscrawler reextract | export | stats` on archives built through the real storage code."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import pytest

from newscrawler.archive_commands import reextract_one, write_jsonl
from newscrawler.cli import main
from newscrawler.items import Article, RawPage
from newscrawler.page import finish
from newscrawler.storage import Archive

from .archive_samples import article_html, article_url, sample_article
from .test_storage import build_v1_archive


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


# -- reextract ------------------------------------------------------------------------------


def stored_by_older_code(db: Path) -> None:
    """Five articles whose raw pages today's extraction reads differently from what was stored:
    0 and 1 as today; 2 with a "Baca juga" line the old rules kept (content differs); 3 without
    its publication date (other fields differ); 4 whose page is no longer read as an article."""
    with Archive(db) as archive:
        for n in range(2):
            archive.store(sample_article(n))
        boilerplate = sample_article(2)
        boilerplate.body += "\n\nBaca juga: Harga Cabai Naik Lagi"
        archive.store(finish(boilerplate))
        undated = sample_article(3)
        undated.published = undated.published_source = None
        archive.store(undated)
        listing = sample_article(4)
        listing.pages[0].body = b"<html><body><h1>Indeks Berita</h1><a href='/a'>a</a></body></html>"
        archive.store(listing)


def test_reextract_revises_refreshes_and_keeps_what_it_cannot_read(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored_by_older_code(db)
    with Archive(db) as archive:
        before = {n: archive.article(article_url(n)) for n in range(5)}

    code, out, _ = run(capsys, "reextract", "--db", str(db))
    assert code == 0
    assert out.strip() == ("reextracted 5 articles: refreshed 1, revised 1, "
                           "skipped_no_body 1, unchanged 2")

    with Archive(db) as archive:
        revised = archive.article(article_url(2))
        assert "Baca juga" not in revised["body"] and revised["body"] == sample_article(2).body
        assert revised["last_seen"] == before[2]["last_seen"]  # not seen on the web again
        [revision] = archive.revisions(article_url(2))
        assert "Baca juga" in revision["body"] and revision["cause"] == "reextract"
        refreshed = archive.article(article_url(3))
        assert refreshed["published"] == sample_article(3).published
        assert refreshed["published_day"] == refreshed["published"][:10]
        assert archive.revisions(article_url(3)) == []
        assert archive.article(article_url(4)) == before[4]  # kept as stored
        assert archive.count("article_revisions") == 1

    code, out, _ = run(capsys, "reextract", "--db", str(db))
    assert out.strip() == "reextracted 5 articles: skipped_no_body 1, unchanged 4"


def test_reextract_of_one_portal_leaves_the_others(db: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    stored_by_older_code(db)
    code, out, _ = run(capsys, "reextract", "--portal", "inews", "--db", str(db))
    assert (code, out.strip()) == (0, "reextracted 0 articles: no stored pages")
    code, _, err = run(capsys, "reextract", "--portal", "tidak-ada", "--db", str(db))
    assert code == 1 and err.startswith("newscrawler: no portal description with id 'tidak-ada'")


def test_a_paginated_article_is_reextracted_whole(db: Path) -> None:
    """Every page of a paginated article is kept; reextract reads them all again, in order."""
    article = sample_article(5)
    second = article_html(6).replace("Nomor 6", "Nomor 5").replace(
        "Dinas setempat", "Pada halaman kedua, dinas setempat").encode()
    article.pages.append(RawPage(url=article_url(5) + "?page=2", status=200,
                                 fetched_at=article.pages[0].fetched_at, body=second))
    with Archive(db) as archive:
        archive.store(article)  # the body of page 1 alone, as an older crawl stored it
    with Archive(db) as archive:
        [stored] = archive.latest_pages()
        assert [p.url for p in stored.pages] == [article_url(5), article_url(5) + "?page=2"]
        assert reextract_one(archive, stored) == "revised"
        archive.flush()
        body = archive.article(article_url(5))["body"]
    assert body.startswith(article.body.split("\n\n")[0])
    assert "Pada halaman kedua, dinas setempat" in body


# -- export ---------------------------------------------------------------------------------


@pytest.fixture
def three_articles(db: Path) -> Path:
    """Published 2021-03-02, -03 and -04 (aksi), the last also in a second portal's copy."""
    with Archive(db) as archive:
        for n in (3, 1, 2):
            archive.store(sample_article(n))
        copy = sample_article(3)
        copy.url = copy.canonical_url = "https://www.inews.id/news/nasional/kabar-warga-ternate"
        copy.portal = "inews"
        archive.store(copy)
    return db


def test_export_jsonl_streams_articles_in_publication_order(
        three_articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "--db", str(three_articles))
    assert code == 0 and err.strip() == "exported 4 articles"
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["published"][:10] for r in rows] == [
        "2021-03-02", "2021-03-03", "2021-03-04", "2021-03-04"]
    first = rows[0]
    assert first["authors"] == ["Rina Lestari"] and first["tags"] == ["Lebak", "Warga"]
    assert first["body"] == sample_article(1).body and first["first_seen"]

    code, out, _ = run(capsys, "export", "--portal", "aksi", "--since", "2021-03-03",
                       "--until", "2021-03-04", "--db", str(three_articles))
    assert [json.loads(line)["canonical_url"] for line in out.splitlines()] == [
        article_url(2), article_url(3)]


def test_export_csv_to_a_file(three_articles: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "export", "--format", "csv", "--portal", "inews",
                         "-o", str(target), "--db", str(three_articles))
    assert (code, out, err.strip()) == (0, "", "exported 1 articles")
    [row] = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert row["portal"] == "inews" and json.loads(row["tags"]) == ["Ternate", "Warga"]
    assert row["body"] == sample_article(3).body
    assert list(tmp_path.glob("*.part")) == []


def test_export_says_what_is_wrong(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "--db", str(db))
    assert (code, err.strip()) == (1, f"newscrawler: no archive at {db} (crawl first, or give "
                                      "--db)")
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--since", "2021-02-30", "--db", str(db)])
    assert exit_.value.code == 2
    assert "not a day (YYYY-MM-DD): '2021-02-30'" in capsys.readouterr().err


@pytest.mark.slow
def test_export_memory_stays_flat_however_large_the_archive(db: Path) -> None:
    """3,000 articles of 8 KB (24 MB of text) go out while Python holds well under 2 MB."""
    body = " ".join(["warga desa menanam bakau di pesisir"] * 230)
    with Archive(db, batch_size=500) as archive:
        for n in range(3000):
            archive.store(finish(Article(url=f"https://www.aksi.id/nasional/bakau-{n}/",
                                         portal="aksi", title=f"Bakau {n}", body=body,
                                         published=f"2021-03-{1 + n % 28:02d}T08:00:00+07:00")))

    class Sink(io.TextIOBase):
        written = 0

        def write(self, text: str) -> int:
            self.written += len(text)
            return len(text)

    sink = Sink()
    with Archive(db, readonly=True) as archive:
        tracemalloc.start()
        count = write_jsonl(archive.iter_articles(), sink)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert count == 3000 and sink.written > 24_000_000
    assert peak < 2_000_000


# -- stats ----------------------------------------------------------------------------------


def test_stats_per_portal(three_articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Archive(three_articles) as archive:
        done = archive.begin_run(["aksi"], spider="aksi")
        archive.end_run(done, {"response_received_count": 9, "newscrawler/errors/http_404": 2,
                               "newscrawler/dropped/no_body": 3, "finish_reason": "finished"})
        archive.begin_run(["aksi"], spider="aksi")  # died: never ended

    code, out, _ = run(capsys, "stats", "--json", "--db", str(three_articles))
    assert code == 0
    report = json.loads(out)
    aksi, inews = report["portals"]
    assert (aksi["portal"], aksi["articles"], aksi["runs"], aksi["errors"], aksi["dropped"]) == (
        "aksi", 3, 2, 2, 3)
    assert aksi["first_published"][:10] == "2021-03-02"
    assert aksi["last_published"][:10] == "2021-03-04"
    assert (aksi["last_run_ended"], aksi["last_run_finish"]) == (None, None)  # the dead run
    assert (inews["articles"], inews["runs"], inews["last_run"]) == (1, 0, None)
    assert report["totals"] == {"articles": 4, "article_revisions": 0, "pages": 4,
                                "crawl_runs": 2}

    code, out, _ = run(capsys, "stats", "--db", str(three_articles))
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["portal", "articles", "first", "last"]
    assert lines[1].split()[:4] == ["aksi", "3", "2021-03-02", "2021-03-04"]
    assert lines[2].split()[:2] == ["inews", "1"]
    assert lines[-1].startswith("4 articles, 0 earlier versions, 4 raw pages, 2 crawl runs")


def test_stats_upgrades_an_archive_of_the_previous_schema(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_v1_archive(db)
    code, out, _ = run(capsys, "stats", "--json", "--db", str(db))
    assert code == 0
    assert [(p["portal"], p["articles"]) for p in json.loads(out)["portals"]] == [
        ("aksi", 1), ("portal-lama", 1)]
