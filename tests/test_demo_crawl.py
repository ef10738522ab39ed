"""The spine end to end: real spiders over HTTP on 127.0.0.1, real pipelines, a real archive."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlite_utils

from .conftest import ROOT, run_cli


def test_scrapy_list_names_the_portals():
    result = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    names = result.stdout.split()
    assert {"aksi", "inews", "url"} <= set(names)


@pytest.mark.slow
def test_demo_twice_stores_each_article_once(db_file):
    first = run_cli("demo", "--db", str(db_file))
    assert first.returncode == 0, first.stderr
    assert "added 5," in first.stdout
    assert "no_body=1" in first.stdout or "body_too_short=1" in first.stdout
    second = run_cli("demo", "--db", str(db_file))
    assert second.returncode == 0, second.stderr
    assert "added 0," in second.stdout and "unchanged 5" in second.stdout

    db = sqlite_utils.Database(db_file)
    rows = {r["title"]: r for r in db.query("select * from articles")}
    assert len(rows) == 5
    assert {r["portal"] for r in rows.values()} == {"aksi", "inews"}
    seed = rows["Tentara Azerbaijan Masuki Kalbajar, Distrik Kedua di Karabakh yang Diserahkan Armenia"]
    assert seed["published"] == "2020-11-25T20:41:00+07:00" and seed["credit"] == "iNews.id"
    # The inews article spans two pages: the whole-article variant (/all) was fetched.
    bridge = rows["Gotong Royong Warga Bangun Jembatan Bambu di Lebak"]
    assert "jembatan permanen dari beton" in bridge["body"]
    assert "Banjir Bandang Terjang Lebak" not in bridge["body"]
    hits = list(db["articles"].search("kalbajar"))
    assert len(hits) == 1
