"""A writer killed with SIGKILL in the middle of a batch: the archive passes integrity checks,
holds whole batches of whole articles only, and the next run completes the work."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

# Stores articles 0..count-1 in batches; with hang_in_batch=k it stops inside the k-th batch's
# transaction (articles and links written, pages not yet) until killed. A tiny page cache
# makes SQLite spill the unfinished transaction into the WAL file, as a large batch would.
WRITER = """
import json, sys, time
from collections import Counter
from newscrawler.storage import Archive
from tests.archive_samples import sample_article

db, count, batch, hang_in_batch = sys.argv[1], *map(int, sys.argv[2:5])

class StoppingArchive(Archive):
    batches = 0

    def _write_links(self, stale, links):
        super()._write_links(stale, links)
        self.batches += 1
        if self.batches == hang_in_batch:
            print("inside batch", flush=True)
            time.sleep(600)

archive = StoppingArchive(db, batch_size=batch)
archive.conn.execute("PRAGMA cache_size = 8")
print("started", flush=True)
outcomes = Counter(archive.store(sample_article(n)) for n in range(count))
archive.close()
print(json.dumps(outcomes), flush=True)
"""


def writer(db: Path, count: int, batch: int, hang_in_batch: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(count), str(batch),
                             str(hang_in_batch)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> dict[str, int]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.splitlines()[-1])


def whole_articles(db: Path) -> int:
    """Check the archive after a crash; the number of articles in it."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
        half_written = conn.execute("""
            SELECT count(*) FROM articles a
            WHERE NOT EXISTS (SELECT 1 FROM pages WHERE article = a.id)
               OR json_array_length(a.tags) != (
                    SELECT count(*) FROM article_tags WHERE article = a.id)
               OR json_array_length(a.authors) != (
                    SELECT count(*) FROM article_authors WHERE article = a.id)
        """).fetchone()[0]
        assert half_written == 0
        articles, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM articles").fetchone()
        assert articles == distinct
        return articles
    finally:
        conn.close()


def test_a_kill_inside_a_batch_loses_only_that_batch_and_a_rerun_completes_it(
        tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    process = writer(db, count=30, batch=10, hang_in_batch=2)
    assert [process.stdout.readline().strip() for _ in range(2)] == ["started", "inside batch"]
    assert Path(f"{db}-wal").stat().st_size > 0
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert whole_articles(db) == 10  # the first batch, committed; none of the second
    assert finish(writer(db, count=30, batch=10)) == {"unchanged": 10, "new": 20}
    assert whole_articles(db) == 30
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM pages").fetchone() == (40,)
    conn.close()


def test_kills_at_random_moments_never_leave_part_of_a_batch(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    count, batch = 3000, 7
    rng = random.Random(6)
    progress = []
    for _ in range(4):
        process = writer(db, count, batch)
        assert process.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.1, 0.8))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        progress.append(whole_articles(db))
        assert progress[-1] % batch == 0
    assert 0 < progress[-1] < count  # the kills landed while it was writing
    outcomes = finish(writer(db, count, batch))
    assert sum(outcomes.values()) == count
    assert whole_articles(db) == count
