"""The spine end to end: real spiders over HTTP on 127.0.0.1, real pipelines, a real archive."""

from __future__ import annotations

import json
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
    # Archived articles are not fetched again (incremental crawls, issue 7).
    assert "added 0," in second.stdout and "known (not fetched) 5," in second.stdout

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
    # One crawl-run row per demo run, both portals in it.
    runs = list(db.query("select portals, articles_new, skipped_known from crawl_runs order by id"))
    assert runs == [{"portals": '["aksi", "inews"]', "articles_new": 5, "skipped_known": 0},
                    {"portals": '["aksi", "inews"]', "articles_new": 0, "skipped_known": 5}]


CRAWL_SCRIPT = """
import json, sys
from pathlib import Path
from newscrawler.demo.server import serve
from newscrawler.runner import run_crawls
with serve(Path(sys.argv[1])) as origin:
    reports = run_crawls({"aksi": {"site": origin + "/aksi.id"}},
                         {"NEWSCRAWLER_DB": sys.argv[2], "DOWNLOAD_DELAY": 0,
                          "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR"})
print(json.dumps({"dropped": reports[0].dropped, "new": reports[0].count("articles/new")}))
"""


@pytest.mark.slow
def test_bad_pages_are_counted_drops_and_the_crawl_goes_on(db_file):
    site = ROOT / "tests" / "sites" / "badpages"
    result = subprocess.run([sys.executable, "-c", CRAWL_SCRIPT, str(site), str(db_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["new"] == 1  # the windows-1252 article
    assert report["dropped"]["not_html"] == 2  # binary and empty
    assert report["dropped"]["no_body"] + report["dropped"].get("body_too_short", 0) >= 1
    row = next(sqlite_utils.Database(db_file).query("select title, body from articles"))
    assert row["title"] == "Nelayan Cilacap Melaut Lagi setelah Badai"
    assert "café kecil" in row["body"] and "CILACAP (Aksi.id) –" in row["body"]


@pytest.mark.slow
def test_scrapy_crawl_and_the_url_spider(db_file, demo_origin):
    page = f"{demo_origin}/aksi.id/nasional/petani-kopi-temanggung-panen-raya-di-tengah-hujan/"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "url", "-a", f"urls={page}",
         "-s", f"NEWSCRAWLER_DB={db_file}", "-s", "LOG_LEVEL=INFO",
         "-s", "NEWSCRAWLER_ALLOW_PRIVATE_TARGETS=1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "'newscrawler/articles/new': 1" in result.stderr
    row = next(sqlite_utils.Database(db_file).query("select title, portal from articles"))
    assert row == {"title": "Petani Kopi Temanggung Panen Raya di Tengah Hujan", "portal": None}
