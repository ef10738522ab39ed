"""The archive: exact new/updated/unchanged outcomes, revisions, linked tables, raw pages, crawl
runs, full-text search, and upgrading an archive written by the previous (v1) schema."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
import zstandard

from newscrawler.migrations import MIGRATIONS, SCHEMA_VERSION, SchemaError
from newscrawler.portals import load_portals
from newscrawler.storage import Archive, OutdatedSchema

from .archive_samples import article_url, sample_article
from .conftest import run_cli

FTS_DATA = "SELECT count(*), total(length(block)) FROM articles_fts_data"


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "news.db", batch_size=50) as opened:
        yield opened


def rows(archive: Archive, sql: str, params: tuple = ()) -> list[tuple]:
    return archive.conn.execute(sql, params).fetchall()


def test_outcomes_are_exact_and_a_change_keeps_the_old_version(archive: Archive) -> None:
    first, again, changed = sample_article(1), sample_article(1), sample_article(1, version=1)
    assert archive.store(first) == "new"
    assert archive.store(again) == "unchanged"  # same URL twice in one batch: still exact
    archive.flush()
    stored_before = archive.article(first.canonical_url)
    assert archive.store(changed) == "updated"
    archive.flush()

    assert archive.count() == 1
    now = archive.article(first.canonical_url)
    assert now["body"] == changed.body and now["content_hash"] == changed.content_hash
    assert now["first_seen"] == stored_before["first_seen"]
    [revision] = archive.revisions(first.canonical_url)
    assert revision["body"] == first.body and revision["title"] == first.title
    assert revision["content_hash"] == first.content_hash and revision["cause"] == "crawl"
    assert revision["seen_from"] == stored_before["content_since"]
    assert revision["seen_until"] == stored_before["last_seen"]
    assert revision["replaced_at"] >= revision["seen_until"]


def test_outcomes_survive_batches_and_reopening(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with Archive(db, batch_size=3) as archive:
        assert {archive.store(sample_article(n)) for n in range(10)} == {"new"}
    with Archive(db, batch_size=3) as archive:
        outcomes = [archive.store(sample_article(n, version=n % 2)) for n in range(10)]
    assert outcomes == ["unchanged", "updated"] * 5
    with Archive(db) as archive:
        assert archive.count() == 10
        assert archive.count("article_revisions") == 5
        assert rows(archive, "SELECT count(DISTINCT canonical_url) FROM articles") == [(10,)]


def test_two_writers_storing_one_url_leave_one_article_and_its_history(tmp_path: Path) -> None:
    """Two crawls (or a crawl and `ingest`) both see the URL as new before either writes."""
    with Archive(tmp_path / "news.db") as first, Archive(tmp_path / "news.db") as second:
        assert first.store(sample_article(8)) == "new"
        assert second.store(sample_article(8, version=1)) == "new"
        first.flush()
        second.flush()
        assert first.count() == 1
        assert first.article(article_url(8))["content_hash"] == sample_article(8, 1).content_hash
        assert [r["content_hash"] for r in first.revisions(article_url(8))] == [
            sample_article(8).content_hash]
        assert rows(first, "SELECT count(*) FROM article_tags") == [(2,)]


def test_a_callers_own_write_through_conn_commits_at_once(archive: Archive) -> None:
    """`ingest` and tools use archive.conn; their statements must not hold a transaction open
    that the next batch's BEGIN would trip over."""
    run = archive.begin_run(["aksi"])
    archive.conn.execute("UPDATE crawl_runs SET errors = 5 WHERE id = ?", (run,))
    assert not archive.conn.in_transaction
    archive.store(sample_article(9))
    archive.flush()
    assert archive.count() == 1


def test_authors_tags_and_images_are_linked_rows(archive: Archive) -> None:
    article = sample_article(2)
    article.authors = ["Budi Santoso", "Budi Santoso", " ", 7, "Siti Rahma"]
    article.images = [{"url": "https://img.aksi.id/1.jpg", "caption": "Gudang"}, "junk",
                      {"caption": "no url"}, {"url": "https://img.aksi.id/2.jpg"}]
    archive.store(article)
    archive.flush()
    linked = """SELECT {name}.name FROM {link} JOIN {name} ON {name}.id = {link}.{column}
                WHERE article = 1 ORDER BY position"""
    assert rows(archive, linked.format(name="authors", link="article_authors",
                                       column="author")) == [("Budi Santoso",), ("Siti Rahma",)]
    assert rows(archive, linked.format(name="tags", link="article_tags", column="tag")) == [
        ("Kupang",), ("Warga",)]
    assert rows(archive, "SELECT position, url, caption FROM images ORDER BY position") == [
        (0, "https://img.aksi.id/1.jpg", "Gudang"), (1, "https://img.aksi.id/2.jpg", None)]

    article.tags = ["Warga", "Banjir"]
    article.images = []
    assert archive.store(article) == "unchanged"  # content is the same; its tags are not
    archive.flush()
    assert rows(archive, linked.format(name="tags", link="article_tags", column="tag")) == [
        ("Warga",), ("Banjir",)]
    assert rows(archive, "SELECT count(*) FROM images") == [(0,)]
    assert archive.article(article.canonical_url)["tags"] == ["Warga", "Banjir"]
    assert archive.article(article.canonical_url)["authors"] == ["Budi Santoso", "Siti Rahma"]
    assert rows(archive, "SELECT count(*) FROM authors WHERE name = 'Budi Santoso'") == [(1,)]


def test_portals_come_from_the_descriptions_and_unknown_ones_get_a_row(archive: Archive) -> None:
    described = load_portals()
    assert archive.count("portals") == len(described)
    aksi = archive.db["portals"].get("aksi")
    assert (aksi["name"], json.loads(aksi["domains"]), aksi["timezone"]) == (
        described["aksi"].name, list(described["aksi"].domains), described["aksi"].timezone)
    article = sample_article(3)
    article.portal = "portal-yang-belum-dideskripsikan"
    archive.store(article)
    archive.flush()
    assert archive.db["portals"].get("portal-yang-belum-dideskripsikan")["verified"] is None
    assert rows(archive, "PRAGMA foreign_key_check") == []


def test_search_ignores_diacritics_marks_matches_and_follows_updates(archive: Archive) -> None:
    archive.store(sample_article(4))
    archive.flush()
    [hit] = archive.search("gudang TENGKULAK")
    assert hit["canonical_url"] == article_url(4)
    assert "«tengkulak»" in hit["snippet"]
    assert [h["id"] for h in archive.search("tengkulák")] == [hit["id"]]  # diacritics ignored
    assert archive.search('gudang" OR -') == []  # a user's stray quotes are words, not syntax
    assert archive.search("ralat") == []

    archive.store(sample_article(4, version=2))
    archive.flush()
    assert [h["id"] for h in archive.search("ralat")] == [hit["id"]]
    assert [h["id"] for h in archive.search("ralat OR tidakada", raw=True)] == [hit["id"]]
    archive.conn.execute("INSERT INTO articles_fts (articles_fts, rank) "
                         "VALUES ('integrity-check', 1)")  # raises if index and rows disagree


def test_an_unchanged_recrawl_does_not_touch_the_search_index(archive: Archive) -> None:
    archive.store(sample_article(5))
    archive.flush()
    before = rows(archive, FTS_DATA)
    assert archive.store(sample_article(5)) == "unchanged"
    archive.flush()
    assert rows(archive, FTS_DATA) == before
    archive.store(sample_article(5, version=1))
    archive.flush()
    assert rows(archive, FTS_DATA) != before


def test_every_fetch_keeps_its_raw_page_and_the_latest_is_read_back(archive: Archive) -> None:
    archive.store(sample_article(6, fetched_at="2021-03-02T05:00:00+00:00"))
    archive.flush()
    archive.store(sample_article(6, version=1, fetched_at="2021-03-09T05:00:00+00:00"))
    archive.flush()
    pages = rows(archive, "SELECT article, encoding, length(body), fetched_at FROM pages")
    assert [(p[0], p[1]) for p in pages] == [(1, "zstd"), (1, "zstd")]
    [latest] = archive.latest_pages()
    assert latest.fetched_at == "2021-03-09T05:00:00+00:00"
    assert b"Ralat ke-1" in latest.body and latest.headers["Date"]
    assert pages[1][2] < len(latest.body)
    assert archive.latest_pages(after_id=latest.article_id) == []
    assert archive.latest_pages(portal="inews") == []


def test_a_crawl_run_is_one_row_with_the_crawl_stats(archive: Archive) -> None:
    run = archive.begin_run(["aksi"], spider="aksi")
    archive.store(sample_article(7))
    archive.end_run(run, {"response_received_count": 12, "newscrawler/articles/new": 1,
                          "newscrawler/dropped/no_body": 2, "newscrawler/dropped/http_404": 1,
                          "log_count/ERROR": 1, "finish_reason": "finished"})
    row = archive.db["crawl_runs"].get(run)
    assert row["ended_at"] >= row["started_at"]
    assert (row["portals"], row["pages_fetched"], row["articles_new"], row["articles_updated"],
            row["dropped_total"], row["errors"], row["finish_reason"]) == (
        '["aksi"]', 12, 1, 0, 3, 1, "finished")
    assert json.loads(row["dropped"]) == {"http_404": 1, "no_body": 2}
    assert rows(archive, "SELECT run FROM pages") == [(run,)]


# -- upgrading an archive of the previous schema --------------------------------------------


def build_v1_archive(path: Path) -> None:
    """The layout the first storage code wrote (sqlite-utils, no schema version), with two
    articles, their pages and a page whose article was never written."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE [articles] ([canonical_url] TEXT PRIMARY KEY, [url] TEXT, [portal] TEXT,
            [title] TEXT, [description] TEXT, [authors] TEXT, [published] TEXT,
            [published_source] TEXT, [modified] TEXT, [modified_source] TEXT, [section] TEXT,
            [tags] TEXT, [body] TEXT, [images] TEXT, [credit] TEXT, [language] TEXT,
            [word_count] INTEGER, [extraction] TEXT, [crawled_at] TEXT, [content_hash] TEXT,
            [first_seen] TEXT, [last_seen] TEXT);
        CREATE INDEX [idx_articles_portal_published] ON [articles] ([portal], [published]);
        CREATE INDEX [idx_articles_published] ON [articles] ([published]);
        CREATE VIRTUAL TABLE [articles_fts] USING FTS5 ([title], [description], [body],
            tokenize='unicode61 remove_diacritics 2', content=[articles]);
        CREATE TRIGGER [articles_ai] AFTER INSERT ON [articles] BEGIN
          INSERT INTO [articles_fts] (rowid, [title], [description], [body])
          VALUES (new.rowid, new.[title], new.[description], new.[body]);
        END;
        CREATE TRIGGER [articles_ad] AFTER DELETE ON [articles] BEGIN
          INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [description], [body])
          VALUES('delete', old.rowid, old.[title], old.[description], old.[body]);
        END;
        CREATE TRIGGER [articles_au] AFTER UPDATE ON [articles] BEGIN
          INSERT INTO [articles_fts] ([articles_fts], rowid, [title], [description], [body])
          VALUES('delete', old.rowid, old.[title], old.[description], old.[body]);
          INSERT INTO [articles_fts] (rowid, [title], [description], [body])
          VALUES (new.rowid, new.[title], new.[description], new.[body]);
        END;
        CREATE TABLE [pages] ([id] INTEGER PRIMARY KEY, [url] TEXT, [article_url] TEXT,
            [fetched_at] TEXT, [status] INTEGER, [headers] TEXT, [encoding] TEXT, [body] BLOB);
        CREATE INDEX [idx_pages_article_url] ON [pages] ([article_url]);
    """)
    old = [sample_article(10), sample_article(11)]
    old[0].authors = ["Rina Lestari", "Rina Lestari", ""]
    old[0].images = [{"url": "https://img.aksi.id/a.jpg", "caption": "Pasar"}]
    old[1].portal = "portal-lama"
    for article in old:
        record = {k: json.dumps(v) if isinstance(v, list) else v
                  for k, v in article.to_dict().items()}
        record.update(canonical_url=article.canonical_url, first_seen="2021-03-02T05:00:00+00:00",
                      last_seen="2021-03-05T05:00:00+00:00")
        conn.execute(f"INSERT INTO articles ({', '.join(record)}) "
                     f"VALUES ({', '.join('?' * len(record))})", list(record.values()))
        conn.execute("INSERT INTO pages (url, article_url, fetched_at, status, headers, "
                     "encoding, body) VALUES (?, ?, ?, 200, ?, 'zstd', ?)",
                     (article.url, article.canonical_url, article.page.fetched_at,
                      json.dumps(article.page.headers),
                      zstandard.ZstdCompressor().compress(article.page.body)))
    conn.execute("INSERT INTO pages (url, article_url, fetched_at, status, headers, encoding, "
                 "body) VALUES ('https://www.aksi.id/hilang/', 'https://www.aksi.id/hilang/', "
                 "'2021-03-02T05:00:00+00:00', 200, '{}', 'zstd', ?)",
                 (zstandard.ZstdCompressor().compress(b"<html></html>"),))
    conn.commit()
    conn.close()


def test_an_archive_of_the_previous_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    build_v1_archive(db)
    with pytest.raises(OutdatedSchema):
        Archive(db, readonly=True)

    with Archive(db) as archive:
        assert rows(archive, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
        assert archive.count() == 2
        first = archive.article(article_url(10))
        assert (first["first_seen"], first["last_seen"], first["content_since"]) == (
            "2021-03-02T05:00:00+00:00", "2021-03-05T05:00:00+00:00", "2021-03-02T05:00:00+00:00")
        assert first["published_day"] == first["published"][:10]
        assert first["body"] == sample_article(10).body
        assert rows(archive, "SELECT name FROM authors") == [("Rina Lestari",)]
        assert rows(archive, "SELECT count(*) FROM article_tags") == [(4,)]
        assert rows(archive, "SELECT url, caption FROM images") == [
            ("https://img.aksi.id/a.jpg", "Pasar")]
        assert archive.db["portals"].get("portal-lama")["name"] == "portal-lama"
        assert [h["canonical_url"] for h in archive.search("Ternate")] == [article_url(11)]
        assert [p.canonical_url for p in archive.latest_pages()] == [article_url(10),
                                                                     article_url(11)]
        assert rows(archive, "SELECT url, article FROM pages WHERE article IS NULL") == [
            ("https://www.aksi.id/hilang/", None)]  # kept, though its article never was
        assert rows(archive, "SELECT name FROM sqlite_master WHERE name LIKE '%_v1'") == []

        assert archive.store(sample_article(10)) == "unchanged"
        assert archive.store(sample_article(11, version=1)) == "updated"
        assert archive.store(sample_article(12)) == "new"
        archive.flush()
        assert [r["seen_until"] for r in archive.revisions(article_url(11))] == [
            "2021-03-05T05:00:00+00:00"]
        assert rows(archive, "PRAGMA integrity_check") == [("ok",)]
    Archive(db, readonly=True).close()  # current now


def test_an_archive_from_a_newer_newscrawler_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    Archive(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        Archive(db)


# -- through a real crawl -------------------------------------------------------------------


@pytest.mark.slow
def test_store_pipeline_records_each_crawl_as_a_run(tmp_path: Path) -> None:
    """The demo crawl twice, in subprocesses (a Twisted reactor starts once per process)."""
    db = tmp_path / "news.db"
    counts = []
    for _ in range(2):
        done = run_cli("demo", "--db", str(db))
        assert done.returncode == 0, done.stderr[-2000:]
        with Archive(db) as archive:
            counts.append((archive.count(), archive.count("pages")))
    with Archive(db) as archive:
        runs = list(archive.db.query("SELECT * FROM crawl_runs ORDER BY id"))
    articles = counts[0][0]
    assert articles > 0 and counts[0] == (articles, articles)  # a raw page per article
    assert counts[1][0] == articles  # the second crawl added no duplicate
    # One row per run, holding both portals' crawls.
    assert [json.loads(r["portals"]) for r in runs] == [["aksi", "inews"], ["aksi", "inews"]]
    assert all(r["finish_reason"] == "finished" and r["ended_at"] for r in runs)
    assert all(r["pages_fetched"] > 0 and r["errors"] == 0 for r in runs)
    assert [r["articles_new"] for r in runs] == [articles, 0]
    assert [r["skipped_known"] for r in runs] == [0, articles]
    assert {r["dropped_total"] for r in runs} == {1}


def test_an_archive_of_schema_2_gains_the_run_reasons(tmp_path: Path) -> None:
    """v2 -> v3: crawl runs keep their rows and gain errors by reason and skipped articles."""
    path = tmp_path / "v2.db"
    db = sqlite_utils.Database(path)
    for version, migration in MIGRATIONS[:2]:
        migration(db)
        db.execute(f"PRAGMA user_version = {version}")
    db["crawl_runs"].insert({"started_at": "2020-11-25T13:41:00+00:00", "portals": '["aksi"]',
                             "errors": 2})
    db.close()
    with Archive(path) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        run = archive.db["crawl_runs"].get(1)
        assert (run["errors"], run["errors_by_reason"], run["skipped_known"]) == (2, None, None)
        archive.end_run(1, {"newscrawler/errors/http_404": 3, "newscrawler/skipped/known": 4,
                            "finish_reason": "finished"}, shared=True)
        run = archive.db["crawl_runs"].get(1)
    assert (run["errors"], run["errors_by_reason"], run["skipped_known"]) == (5, '{"http_404": 3}', 4)
