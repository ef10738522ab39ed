"""Scale-out on scrapy-redis with a real redis-server (started here on a free port of
127.0.0.1, in a temporary folder): two crawler processes share one frontier, `newscrawler
ingest` is the archive's one writer, and every article is stored exactly once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawler.demo.server import serve
from newscrawler.items import Article, RawPage
from newscrawler.scaleout import (
    INGESTING_KEY,
    ITEMS_KEY,
    RUNS_KEY,
    UNREADABLE_KEY,
    article_from_json,
    article_to_json,
    ingest,
)
from newscrawler.storage import Archive

from .conftest import ROOT, free_port, run_cli, wait_until_serving
from .ops_site import counted, make_stories, write_site

REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (apt-get install redis-server): the scale-out tests "
           "run against a real one")
ARTICLES = 40


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    import redis

    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    wait_until_serving(server, redis.Redis.from_url(url).ping, redis.ConnectionError,
                       "redis-server", timeout=10)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def story_article(number: int) -> Article:
    article = Article(url=f"https://www.aksi.id/nasional/berita-nomor-{number}",
                      canonical_url=f"https://www.aksi.id/nasional/berita-nomor-{number}",
                      portal="aksi", title=f"Berita nomor {number}",
                      body="Warga desa bergotong royong membersihkan saluran air.",
                      authors=["Sekar Ayu"], content_hash=f"hash{number}")
    article.pages = [RawPage(url=article.url, status=200, fetched_at="2020-11-25T01:00:00+00:00",
                           body=f"<html>Berita {number} \xe9</html>".encode("cp1252"),
                           headers={"ETag": f'"{number}"'})]
    return article


def test_items_travel_as_json_with_the_raw_page():
    article = story_article(1)
    data = article_to_json(article)
    assert json.loads(data)["pages"][0]["body"]  # base64 text, readable by any Redis client
    back = article_from_json(data)
    assert back.to_dict() == article.to_dict()
    assert back.pages == article.pages
    with pytest.raises(ValueError, match="not a queued article"):
        article_from_json(b'{"title": "no url"}')
    with pytest.raises(ValueError):
        article_from_json(b"\x80 not json")


@needs_redis
def test_ingest_is_idempotent_and_safe_to_restart(tmp_path, redis_url):
    import redis

    server = redis.Redis.from_url(redis_url)
    db = tmp_path / "news.db"
    with Archive(db) as archive:  # two articles already stored by an ingest that then died
        for n in (1, 2):
            archive.store(story_article(n))
    # ...before it could drop its batch: the batch is still in the processing list.
    server.rpush(INGESTING_KEY, article_to_json(story_article(1)), article_to_json(story_article(2)),
                 article_to_json(story_article(3)))
    server.rpush(ITEMS_KEY, *(article_to_json(story_article(n)) for n in range(4, 9)),
                 b"garbage")
    with Archive(db) as archive:
        counts = ingest(server, archive, batch_size=3)
    assert counts == Counter(new=6, already_stored=2, unreadable=1)
    assert server.llen(ITEMS_KEY) == server.llen(INGESTING_KEY) == 0
    assert server.lrange(UNREADABLE_KEY, 0, -1) == [b"garbage"]  # set aside, not lost
    with Archive(db) as archive:
        assert archive.count("articles") == 8 and archive.count("pages") == 8
        assert ingest(server, archive) == Counter()


@needs_redis
@pytest.mark.slow
def test_two_crawler_processes_store_every_article_once(tmp_path, redis_url):
    import redis

    stories = make_stories(ARTICLES)
    root = write_site(tmp_path / "site", stories)
    # Slow pages and two requests at a time per worker: neither can take the whole frontier
    # into its downloader before the other's next look at the queue (every 5 s when idle).
    routes, hits = counted(root, stories, delay=0.4)
    env = {**os.environ, "NEWSCRAWLER_REDIS_URL": redis_url, "NEWSCRAWLER_REDIS_ROUND": "t1"}
    with serve(root, routes) as origin:
        command = [sys.executable, "-m", "newscrawler.cli", "crawl", "aksi", "--mirror", origin,
                   "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                   "-s", "CONCURRENT_REQUESTS=2", "-s", "LOG_LEVEL=WARNING",
                   "-s", "NEWSCRAWLER_REDIS_IDLE=6"]
        workers = [subprocess.Popen(command + ["--db", str(tmp_path / f"worker{i}.db")],
                                    cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for i in (1, 2)]
        outputs = [w.communicate(timeout=180) for w in workers]
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, out + err
    assert sum(hits.values()) == ARTICLES and set(hits.values()) == {1}  # each fetched once
    assert not any((tmp_path / f"worker{i}.db").exists() for i in (1, 2))  # they never write

    server = redis.Redis.from_url(redis_url)
    runs = [json.loads(r) for r in server.lrange(RUNS_KEY, 0, -1)]
    queued = [run["stats"].get("newscrawler/articles/queued", 0) for run in runs]
    assert len(runs) == 2 and sum(queued) == ARTICLES
    assert all(q > 0 for q in queued), f"one worker did all the work: {queued}"

    db = tmp_path / "news.db"
    first = run_cli("ingest", "--db", str(db), "--batch", "7", env={"NEWSCRAWLER_REDIS_URL": redis_url})
    assert first.returncode == 0, first.stderr
    assert f"new {ARTICLES}," in first.stdout and "crawl runs recorded 2" in first.stdout
    again = run_cli("ingest", "--db", str(db), env={"NEWSCRAWLER_REDIS_URL": redis_url})
    assert again.returncode == 0 and "new 0," in again.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == ARTICLES
        assert conn.execute("select count(*) from pages").fetchone()[0] == ARTICLES
        assert conn.execute("select count(distinct canonical_url) from articles").fetchone()[0] \
            == ARTICLES
        assert conn.execute("select count(*) from crawl_runs").fetchone()[0] == 2


def test_ingest_without_redis_url_is_bad_usage():
    result = run_cli("ingest", env={"NEWSCRAWLER_REDIS_URL": ""})
    assert result.returncode == 2 and "NEWSCRAWLER_REDIS_URL" in result.stderr
