"""The demo archive in a real `datasette -m metadata.yaml` process: search with snippets, facets
and canned queries answer on its JSON API, as documented in the README."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from newscrawler.storage import Archive

from .archive_samples import article_url, sample_article
from .conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo crawl's archive, plus one article of ours stored twice (one revision)."""
    db = tmp_path_factory.mktemp("datasette") / "news.db"
    done = run_cli("demo", "--db", str(db))
    assert done.returncode == 0, done.stderr[-2000:]
    with Archive(db) as archive:
        archive.store(sample_article(1))
        archive.flush()
        archive.store(sample_article(1, version=1))
    return db


def start_datasette(db: Path, *options: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", *options, str(db), "-m",
         str(ROOT / "metadata.yaml"), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{origin}/-/versions.json", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"datasette did not start: {process.communicate()[0][-2000:]}")
                time.sleep(0.2)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def datasette(archive_db: Path) -> Iterator[str]:
    yield from start_datasette(archive_db)


def get(origin: str, path: str, **params: str) -> dict | list:
    query = f"?{urlencode(params)}" if params else ""
    with urllib.request.urlopen(f"{origin}/news/{path}{query}", timeout=10) as response:
        return json.loads(response.read())


def test_table_search_and_the_search_query_with_snippets(datasette: str) -> None:
    found = get(datasette, "articles.json", _search="jembatan bambu", _shape="objects")
    assert [r["title"] for r in found["rows"]] == [
        "Gotong Royong Warga Bangun Jembatan Bambu di Lebak"]
    hits = get(datasette, "search.json", q="jembatan bambu", _shape="array")
    assert [h["title"] for h in hits] == ["Gotong Royong Warga Bangun Jembatan Bambu di Lebak"]
    assert "«jembatan» «bambu»" in hits[0]["snippet"].lower()
    assert get(datasette, "search.json", q='gudang "ralat ke-1"', _shape="array")[0][
        "canonical_url"] == article_url(1)  # a quoted phrase, escaped for FTS5 by datasette


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": '"'}, {"q": "  "}])
def test_search_without_words_answers_with_the_latest_articles(datasette: str,
                                                                query: dict[str, str]) -> None:
    latest = get(datasette, "search.json", _shape="array", **query)
    assert latest and not any(row["matched"] for row in latest)
    published = [row["published"] for row in latest]
    assert published == sorted(published, reverse=True)


def test_facets_from_metadata(datasette: str, archive_db: Path) -> None:
    facets = get(datasette, "articles.json", _size="0")["facet_results"]
    assert set(facets) == {"portal", "section", "tags", "authors", "published_day"}
    portals = {f["value"]: (f["label"], f["count"]) for f in facets["portal"]["results"]}
    with Archive(archive_db, readonly=True) as archive:
        expected = dict(archive.conn.execute(
            "SELECT portal, count(*) FROM articles GROUP BY portal").fetchall())
    assert {k: count for k, (_, count) in portals.items()} == expected
    assert portals["inews"][0] == "iNews.id"  # the label comes from the portals table
    assert {"value": "Warga", "count": 1} in [
        {"value": f["value"], "count": f["count"]} for f in facets["tags"]["results"]]
    assert facets["tags"]["type"] == "array" and facets["published_day"]["type"] == "date"
    tagged = get(datasette, "articles.json", tags__arraycontains="Azerbaijan", _shape="objects")
    assert [r["portal"] for r in tagged["rows"]] == ["aksi"]


def test_canned_queries(datasette: str) -> None:
    latest = get(datasette, "latest_per_portal.json", _shape="array")
    assert {r["portal"] for r in latest} == {"aksi", "inews"}
    assert all(len([r for r in latest if r["portal"] == p]) <= 5 for p in ("aksi", "inews"))
    recent = get(datasette, "articles_per_day.json", _shape="array")  # the archive's last 30 days
    assert [r["day"] for r in recent] == ["2021-03-02"]  # not the calendar's: that is empty
    per_day = get(datasette, "articles_per_day.json", since="2020-01-01", _shape="array")
    assert {"day": "2020-11-26", "portal": "inews", "articles": 1} in per_day
    assert sum(r["articles"] for r in per_day) == len(get(
        datasette, "articles.json", _shape="array", _size="max"))
    [revised] = get(datasette, "most_revised.json", _shape="array")
    assert (revised["canonical_url"], revised["revisions"]) == (article_url(1), 1)
    history = get(datasette, "article_history.json", url=article_url(1), _shape="array")
    assert [h["version"] for h in history] == ["current", "revision 1"]
    assert "Ralat ke-1" in history[0]["body"] and "Ralat" not in history[1]["body"]
    by_author = get(datasette, "articles_by_author.json", author="Rina", _shape="array")
    assert [r["canonical_url"] for r in by_author] == [article_url(1)]
    by_tag = get(datasette, "articles_by_tag.json", tag="Azerbaijan", _shape="array")
    assert [r["portal"] for r in by_tag] == ["aksi"]


def test_linked_tables_show_labels(datasette: str) -> None:
    links = get(datasette, "article_authors.json", _labels="on", _shape="objects")
    assert any(r["author"]["label"] == "Rina Lestari" for r in links["rows"])
    assert links["facet_results"]["author"]["results"]


def test_every_canned_query_only_reads(datasette: str) -> None:
    with urllib.request.urlopen(f"{datasette}/news.json", timeout=10) as response:
        queries = json.loads(response.read())["queries"]
    assert len(queries) == 10 and not any(q.get("write") for q in queries)


def test_dashboard_queries(datasette: str) -> None:
    health = get(datasette, "portal_health.json", _shape="array")
    assert {(r["portal"], r["finish_reason"]) for r in health} == {
        ("aksi", "finished"), ("inews", "finished")}
    assert get(datasette, "top_tags.json", since="2020-11-01", until="2020-11-30",
               _shape="array")[0]["articles"] == 1
    assert get(datasette, "top_authors.json", _shape="array")[0] == {
        "author": "Rina Lestari", "articles": 1}


def test_a_published_copy_serves_with_immutable(archive_db: Path) -> None:
    for origin in start_datasette(archive_db, "--immutable"):
        hits = get(origin, "search.json", q="rumput laut", _shape="array")
        assert [h["portal"] for h in hits] == ["inews"]
