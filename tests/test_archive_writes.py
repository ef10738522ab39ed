"""Archive writes under faults and concurrency: a failed COMMIT, another writer holding the lock,
two writers storing the same URLs; and properties of random store/revise/reextract sequences."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newscrawler.demo.server import serve
from newscrawler.storage import KEPT_BATCHES, Archive, ArchiveBusy

from .archive_samples import article_url, sample_article
from .conftest import ROOT
from .ops_site import counted, make_stories, write_site


@contextmanager
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Another process's writer holding the archive's write lock."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def authors_linked(archive: Archive, url: str) -> list[str]:
    return [name for (name,) in archive.conn.execute(
        "SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author "
        "JOIN articles a ON a.id = aa.article WHERE a.canonical_url = ? ORDER BY aa.position",
        (url,))]


def with_author(n: int, name: str):
    article = sample_article(n)
    article.authors = [name]
    return article


def test_a_failed_commit_forgets_the_ids_handed_out_in_it(tmp_path: Path) -> None:
    """COMMIT fails (here a deferred foreign key, as a full disk would at COMMIT): the author id
    the batch took is gone with it, and another writer may take the same id for another name.
    The kept batch, written again, must link its article to its own author."""
    db = tmp_path / "news.db"
    with Archive(db, batch_size=10) as archive, Archive(db) as other:
        archive.store(with_author(1, "Yanti Siregar"))
        write_batch = archive._write_batch

        def batch_then_a_commit_that_fails() -> Counter[str]:
            outcomes = write_batch()
            archive.conn.execute("PRAGMA defer_foreign_keys = ON")
            archive.conn.execute("INSERT INTO article_tags (article, tag, position) "
                                 "VALUES (999999, 999999, 0)")
            return outcomes

        archive._write_batch = batch_then_a_commit_that_fails  # type: ignore[method-assign]
        with pytest.raises(sqlite3.IntegrityError):
            archive.flush()
        archive._write_batch = write_batch  # type: ignore[method-assign]
        assert not archive.conn.in_transaction and archive.count() == 0
        assert archive.pending == 1  # nothing lost: the batch is still queued

        other.store(with_author(2, "Zainal Hakim"))  # takes the author id the failed batch had
        other.flush()
        archive.flush()
        assert archive.take_outcomes() == Counter(new=1)
        assert authors_linked(archive, article_url(1)) == ["Yanti Siregar"]
        assert authors_linked(archive, article_url(2)) == ["Zainal Hakim"]


def test_outcomes_are_what_the_archive_did_when_two_writers_store_the_same_urls(
        tmp_path: Path) -> None:
    """Both crawls queue the URLs as new; only the first write adds them."""
    db = tmp_path / "news.db"
    with Archive(db, batch_size=100) as first, Archive(db, batch_size=100) as second:
        assert {first.store(sample_article(n)) for n in range(5)} == {"new"}
        assert {second.store(sample_article(n, version=n % 2)) for n in range(5)} == {"new"}
        assert first.flush() == Counter(new=5)
        assert second.flush() == Counter(unchanged=3, updated=2)
        assert first.count() == 5 and first.count("article_revisions") == 2
        assert second.take_outcomes() == Counter(unchanged=3, updated=2)
        assert second.take_outcomes() == Counter()


def test_opening_an_up_to_date_archive_takes_no_write_lock(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    Archive(db).close()
    with write_lock(db):
        start = time.monotonic()
        with Archive(db, busy_timeout=5) as archive:
            assert archive.count() == 0
            opened = time.monotonic() - start
            archive.busy_timeout = 0  # closing has nothing to write
    assert opened < 2


def test_an_archive_to_upgrade_that_is_locked_says_so(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    # an old archive (schema 1: an articles table before versioning) that needs upgrading
    sqlite3.connect(db).executescript("PRAGMA journal_mode = WAL; CREATE TABLE articles (x);")
    with write_lock(db), pytest.raises(ArchiveBusy, match="needs upgrading and is locked"):
        Archive(db, busy_timeout=0.1)


def test_a_locked_archive_keeps_the_batch_and_writes_it_once_free(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Tried again once per batch (each try waits the busy timeout), not at every article."""
    db = tmp_path / "news.db"
    Archive(db).close()
    with Archive(db, batch_size=2, busy_timeout=0.1) as archive:
        with write_lock(db):
            for n in range(4):  # two full batches, both found the archive locked
                archive.store(sample_article(n))
            with pytest.raises(ArchiveBusy, match="locked by another writer"):
                archive.flush()
            assert archive.pending == 4 and archive.take_outcomes() == Counter()
            with pytest.raises(ArchiveBusy):  # at most KEPT_BATCHES full batches are kept
                for n in range(4, 12):
                    archive.store(sample_article(n))
            kept = archive.pending
        assert kept == KEPT_BATCHES * 2
        assert caplog.text.count("kept queued for the next try") == KEPT_BATCHES - 1
        assert archive.flush() == Counter(new=kept)
        assert archive.count() == kept == archive.count("pages")


@contextmanager
def site_and_locked_archive(tmp_path: Path, articles: int) -> Iterator[tuple[str, Path, Counter]]:
    """A portal of `articles` articles served (its origin, and the requests per article), and
    an archive another writer holds locked."""
    stories = make_stories(articles)
    root = write_site(tmp_path / "site", stories)
    routes, hits = counted(root, stories)
    db = tmp_path / "news.db"
    Archive(db).close()
    with serve(root, routes) as origin, write_lock(db):
        yield origin, db, hits


def crawl_command(origin: str, db: Path, *settings: str) -> list[str]:
    """`scrapy crawl aksi` of the site at `origin` into `db`, fast, with these settings."""
    return [sys.executable, "-m", "scrapy", "crawl", "aksi", "-a", f"site={origin}/aksi.id",
            *(f"-s{s}" for s in (f"NEWSCRAWLER_DB={db}", "DOWNLOAD_DELAY=0",
                                 "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING", *settings))]


@pytest.mark.slow
def test_a_crawl_keeps_fetching_while_another_writer_holds_the_lock(tmp_path: Path) -> None:
    """The lock is held when the spider opens and until the site has served every article: the
    crawl must have fetched them meanwhile (the reactor was not waiting for the lock), then
    store them all once the lock is free, and finish cleanly."""
    with site_and_locked_archive(tmp_path, 4) as (origin, db, hits):
        crawl = subprocess.Popen(
            crawl_command(origin, db, "NEWSCRAWLER_BATCH_SIZE=1", "NEWSCRAWLER_BUSY_TIMEOUT=0.5"),
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(hits) < 4 and time.monotonic() < deadline and crawl.poll() is None:
            time.sleep(0.1)
        fetched_while_locked = len(hits)
    _, stderr = crawl.communicate(timeout=120)
    assert fetched_while_locked == 4, stderr[-3000:]
    assert crawl.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "never retrieved" not in stderr, stderr[-3000:]
    with Archive(db) as archive:
        assert archive.count() == 4
        [run] = archive.db.query("SELECT * FROM crawl_runs")
    assert run["finish_reason"] == "finished" and run["articles_new"] == 4
    assert run["errors"] == 0


# -- properties --------------------------------------------------------------------------------

KEYS = 3
operations = st.lists(st.one_of(
    st.tuples(st.just("store"), st.integers(0, KEYS - 1), st.integers(0, 2),
              st.sampled_from(["crawl", "reextract"])),
    st.tuples(st.just("flush")),
), max_size=14)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(ops=operations, batch_size=st.integers(1, 4))
def test_random_store_revise_reextract_keeps_the_archive_consistent(
        tmp_path_factory: pytest.TempPathFactory, ops: list[tuple], batch_size: int) -> None:
    """One row per key, the search index in step with the rows, one revision per content change
    (in order), and outcomes that add up to what was stored."""
    db = tmp_path_factory.mktemp("prop") / "news.db"
    stored: dict[int, str] = {}
    revisions: Counter[int] = Counter()
    expected: Counter[str] = Counter()
    with Archive(db, batch_size=batch_size) as archive:
        for op in ops:
            if op[0] == "flush":
                archive.flush()
                continue
            _, n, version, cause = op
            article = sample_article(n, version)
            archive.store(article, cause=cause)
            if n not in stored:
                expected["new"] += 1
            elif stored[n] == article.content_hash:
                expected["unchanged"] += 1
            else:
                expected["updated"] += 1
                revisions[n] += 1
            stored[n] = article.content_hash
        archive.flush()
        assert archive.take_outcomes() == expected
        conn = archive.conn
        rows = dict(conn.execute("SELECT canonical_url, content_hash FROM articles"))
        assert rows == {article_url(n): h for n, h in stored.items()}
        conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        for n in stored:
            history = archive.revisions(article_url(n))
            assert len(history) == revisions[n]
            assert [r["id"] for r in history] == sorted(r["id"] for r in history)
            assert all(r["seen_from"] <= r["replaced_at"] for r in history)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.slow
def test_a_crawl_locked_out_for_good_closes_cleanly(tmp_path: Path) -> None:
    """The lock never comes free: the crawl gives up after NEWSCRAWLER_ARCHIVE_WAIT with a
    clear reason and an error, not a traceback, and nothing half-written."""
    with site_and_locked_archive(tmp_path, 2) as (origin, db, _):
        crawl = subprocess.run(
            crawl_command(origin, db, "NEWSCRAWLER_BUSY_TIMEOUT=0.2", "NEWSCRAWLER_ARCHIVE_WAIT=1"),
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in crawl.stderr and "never retrieved" not in crawl.stderr, crawl.stderr
    assert "closing the crawl" in crawl.stderr and "not stored" in crawl.stderr, crawl.stderr
    with Archive(db) as archive:
        assert archive.count() == 0 and archive.count("crawl_runs") == 0
