"""Per-portal run accounting: one `crawl_portal_runs` row per portal per run, its outcome read
from its own crawler's stats, portal health against its recent runs, the v3 -> v4 upgrade."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from newscrawler.demo import SITE as DEMO_SITE
from newscrawler.demo.server import serve
from newscrawler.health import article_health, baseline, published_to_the_minute
from newscrawler.items import Article
from newscrawler.migrations import MIGRATIONS, SCHEMA_VERSION
from newscrawler.stats import CrawlReport, worst
from newscrawler.storage import Archive

from .conftest import ROOT, free_port, run_cli
from .ops_site import counted, make_stories, write_site

FINISHED = {"finish_reason": "finished", "start_time": "t"}


def healthy(articles: int, published: int, **extra: object) -> dict[str, object]:
    """The stats of a finished crawl that read `articles` articles, `published` of them dated."""
    counts = {f"newscrawler/health/{name}": articles
              for name in ("title", "body", "authors", "tags", "selectors")}
    return {**FINISHED, "response_received_count": articles + 2,
            "downloader/response_status_count/200": articles + 2, **counts,
            "newscrawler/health/articles": articles,
            "newscrawler/health/published": published, **extra}


@pytest.mark.parametrize("stats, outcome, why", [
    (healthy(4, 4), "ok", ""),
    ({**FINISHED}, "empty", "nothing fetched"),
    ({**FINISHED, "newscrawler/errors/dns": 3}, "failed", "nothing could be fetched"),
    ({**FINISHED, "newscrawler/errors/http_404": 3, "response_received_count": 3,
      "downloader/response_status_count/404": 3}, "failed", "nothing could be fetched"),
    ({**FINISHED, "robotstxt/exception_count/DNSLookupError": 1}, "empty", "nothing fetched"),
    (healthy(4, 4, **{"robotstxt/exception_count/ConnectionRefusedError": 1}), "ok", ""),
    (healthy(4, 4, **{"newscrawler/unexpected/spider_error": 2}), "failed",
     "2 unexpected errors (see the log)"),
    (healthy(4, 4, **{"log_count/ERROR": 185}), "ok", ""),  # the whole process's: not ours
    (healthy(4, 4, finish_reason="shutdown"), "stopped", "stopped before it finished"),
    (healthy(4, 4, finish_reason="closespider_timeout"), "ok", ""),
    ({}, "failed", "did not start"),
    (healthy(10, 1, **{"newscrawler/health/baseline/published": 0.98,
                       "newscrawler/health/max_drop": 0.3,
                       "newscrawler/health/min_articles": 5}),
     "degraded", "published 98% → 10%"),
    (healthy(3, 0, **{"newscrawler/health/baseline/published": 0.98,  # too few to judge
                      "newscrawler/health/max_drop": 0.3,
                      "newscrawler/health/min_articles": 5}), "ok", ""),
])
def test_outcome_from_the_crawlers_own_stats(stats, outcome, why) -> None:
    report = CrawlReport("kompas", stats)
    assert (report.outcome, report.why) == (outcome, why)


def test_a_crawl_that_never_closed_was_stopped_when_the_run_was() -> None:
    started = {"start_time": "t", "response_received_count": 3}
    assert CrawlReport("a", started, run_stopped=True).outcome == "stopped"
    assert CrawlReport("a", started).why == "did not finish"
    assert worst(["ok", "degraded", "empty"]) == "degraded"
    assert worst(["failed", "stopped", "ok"]) == "stopped"


def test_article_health() -> None:
    article = Article(url="u", title="Judul", body="Isi", published="2020-11-25",
                      authors=["Budi"], extraction="generic")
    assert article_health(article) == {"title": True, "published": False, "body": True,
                                       "authors": True, "tags": False, "selectors": False}
    assert published_to_the_minute("2020-11-25T14:30:00+07:00")
    assert baseline([{"health_articles": 2, "published_share": 0.1},
                     {"health_articles": 10, "published_share": 0.9}], 5)["published"] == 0.9


def test_each_portal_of_a_run_has_its_own_row(tmp_path: Path) -> None:
    with Archive(tmp_path / "news.db") as archive:
        run = archive.begin_run(["aksi", "inews", "kompas"])
        archive.end_run(run, healthy(4, 4, **{"newscrawler/articles/new": 4}),
                        shared=True, portal="aksi")
        archive.end_run(run, {**FINISHED, "newscrawler/errors/dns": 3,
                              "robotstxt/exception_count/DNSLookupError": 1},
                        shared=True, portal="inews")
        outcome = archive.close_run(run, [CrawlReport("aksi", {}), CrawlReport("inews", {}),
                                          CrawlReport("kompas", {}, run_stopped=True)])
        rows = {r["portal"]: r for r in archive.db["crawl_portal_runs"].rows}
        stats = {p["portal"]: p for p in archive.portal_stats()}
        total = archive.db["crawl_runs"].get(run)
    assert outcome == "stopped" and total["outcome"] == "stopped"
    assert (rows["aksi"]["outcome"], rows["aksi"]["errors"], rows["aksi"]["articles_new"]) == (
        "ok", 0, 4)
    assert rows["aksi"]["published_share"] == 1.0 and rows["aksi"]["generic_fallback"] == 0
    assert (rows["inews"]["outcome"], rows["inews"]["errors"]) == ("failed", 4)
    assert json.loads(rows["inews"]["errors_by_reason"]) == {"dns": 3, "robots_txt": 1}
    assert rows["kompas"]["outcome"] == "stopped"
    assert (stats["aksi"]["errors"], stats["aksi"]["last_run_outcome"]) == (0, "ok")
    assert (stats["inews"]["errors"], stats["inews"]["last_run_why"]) == (
        4, "nothing could be fetched")
    assert total["errors"] == 4


def test_recent_health_reads_the_portals_ok_runs(tmp_path: Path) -> None:
    with Archive(tmp_path / "news.db") as archive:
        for published in (10, 9, 0):
            run = archive.begin_run(["kompas"])
            archive.end_run(run, healthy(10, published))
        recent = archive.recent_health("kompas", 5)
    assert [r["published_share"] for r in recent] == [0.0, 0.9, 1.0]
    assert baseline(recent, 5)["published"] == pytest.approx(19 / 30)


def test_an_archive_of_schema_3_gains_portal_runs(tmp_path: Path) -> None:
    """v3 -> v4: a one-portal run becomes that portal's row; a several-portal run's summed
    figures are not split; authors that were not a JSON list become one."""
    path = tmp_path / "v3.db"
    db = sqlite_utils.Database(path)
    for version, migration in MIGRATIONS[:3]:
        migration(db)
        db.execute(f"PRAGMA user_version = {version}")
    db["crawl_runs"].insert_all([
        {"started_at": "2020-11-25T13:41:00+00:00", "ended_at": "2020-11-25T13:50:00+00:00",
         "portals": '["aksi"]', "pages_fetched": 0, "errors": 2, "finish_reason": "finished"},
        {"started_at": "2020-11-26T13:41:00+00:00", "portals": '["aksi", "inews"]',
         "pages_fetched": 30, "errors": 1, "finish_reason": "finished"},
        {"started_at": "2020-11-27T13:41:00+00:00", "portals": '["inews"]'},  # died
    ])
    db["portals"].insert({"id": "aksi", "name": "aksi"})
    db["articles"].insert({"canonical_url": "https://www.aksi.id/a", "portal": "aksi",
                           "authors": "Budi, Ani", "tags": '"satu"', "images": "[]"})
    db.close()
    with Archive(path) as archive:
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = [(r["run"], r["portal"], r["outcome"], r["errors"]) for r in
                archive.db.query("SELECT * FROM crawl_portal_runs ORDER BY run, portal")]
        runs = [r["outcome"] for r in archive.db.query("SELECT outcome FROM crawl_runs")]
        article = archive.article("https://www.aksi.id/a")
    assert rows == [(1, "aksi", "failed", 2), (2, "aksi", None, None), (2, "inews", None, None),
                    (3, "inews", None, None)]
    assert runs == ["failed", "ok", None]
    assert (article["authors"], article["tags"]) == (["Budi, Ani"], ["satu"])


# -- through real crawls ----------------------------------------------------------------------

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]


def portal_stats(db: Path) -> dict[str, dict[str, object]]:
    result = run_cli("stats", "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return {p["portal"]: p for p in json.loads(result.stdout)["portals"]}


@pytest.mark.slow
def test_a_failing_portal_does_not_fail_the_other(tmp_path: Path) -> None:
    """inews's whole site answers 404: it failed; aksi, crawled beside it, is ok."""
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE / "aksi.id", site / "aksi.id")
    shutil.copy(DEMO_SITE / "robots.txt", site / "robots.txt")
    db = tmp_path / "news.db"
    with serve(site) as origin:
        result = run_cli("crawl", "aksi", "inews", "--mirror", origin, "--db", str(db), *FAST)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:3]}
    assert lines["aksi"][1:3] == ["ok", "8"] and lines["aksi"][-2] == "0"  # no errors of inews
    assert lines["inews"][1] == "failed"
    assert "FAILED inews: nothing could be fetched" in result.stdout
    assert "aksi:" not in result.stdout
    stats = portal_stats(db)
    assert (stats["aksi"]["last_run_outcome"], stats["aksi"]["errors"]) == ("ok", 0)
    assert stats["inews"]["last_run_outcome"] == "failed" and stats["inews"]["errors"] > 0


@pytest.mark.slow
def test_a_portal_whose_dates_vanish_is_degraded(tmp_path: Path) -> None:
    stories = make_stories(6)
    root = write_site(tmp_path / "site", stories)
    db = tmp_path / "news.db"
    crawl = ["crawl", "aksi", "--db", str(db), *FAST, "-s", "NEWSCRAWLER_INCREMENTAL=False"]
    with serve(root) as origin:
        first = run_cli(*crawl, "--mirror", origin)
        assert first.returncode == 0, first.stdout + first.stderr
        for story in stories:  # the portal's markup changes: no more dates anywhere
            page = root / "aksi.id" / "nasional" / f"{story.slug}.html"
            page.write_text(story.html().replace(story.published.isoformat(), ""))
        second = run_cli(*crawl, "--mirror", origin)
    assert second.returncode == 3, second.stdout + second.stderr
    assert "DEGRADED aksi: published 100% → 0%" in second.stdout
    stats = portal_stats(db)["aksi"]
    assert (stats["last_run_outcome"], stats["last_run_why"]) == (
        "degraded", "published 100% → 0%")


def start_crawl(db: Path, origin: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newscrawler.cli", "crawl", "aksi", "--mirror", origin,
         "--db", str(db), *FAST], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


def run_outcomes(db: Path) -> list[tuple[str | None, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT r.outcome, p.outcome FROM crawl_runs r LEFT JOIN "
                            "crawl_portal_runs p ON p.run = r.id").fetchall()


@pytest.mark.slow
@pytest.mark.parametrize("interrupts", [1, 2])
def test_ctrl_c_stops_and_says_so(tmp_path: Path, interrupts: int) -> None:
    stories = make_stories(20)
    root = write_site(tmp_path / "site", stories)
    routes, hits = counted(root, stories, delay=0.5)
    db = tmp_path / "news.db"
    with serve(root, routes) as origin:
        process = start_crawl(db, origin)
        deadline = time.monotonic() + 60
        while not hits and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(interrupts):
            process.send_signal(signal.SIGINT)
            time.sleep(0.2)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "STOPPED aksi: stopped before it finished" in out
    assert "did not start" not in out and "Traceback" not in err
    assert run_outcomes(db) == [("stopped", "stopped")]


def run_opened(db: Path) -> bool:
    try:
        with sqlite3.connect(db) as conn:
            return bool(conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0])
    except sqlite3.Error:
        return False


@pytest.mark.slow
def test_ctrl_c_during_start_up_is_not_recorded_as_finished(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with serve(DEMO_SITE) as origin:
        process = start_crawl(db, origin)
        deadline = time.monotonic() + 60
        while not run_opened(db) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Traceback" not in err
    assert [run for run, _ in run_outcomes(db)] == ["stopped"]


@pytest.mark.slow
def test_logs_without_a_terminal_are_warnings_in_one_line(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "crawl.log"
    args = ["crawl", "aksi", "inews", "--mirror", closed, "--db", str(tmp_path / "n.db"), *FAST]
    quiet = run_cli(*args)
    logged = run_cli(*args, "--log-file", str(log))
    for result in (quiet, logged):
        assert result.returncode == 1, result.stdout + result.stderr
        assert "FAILED aksi: nothing could be fetched" in result.stdout
        assert "robots_txt=1" in result.stdout
    assert "Traceback" not in quiet.stderr and " INFO: " not in quiet.stderr
    warnings = [line for line in quiet.stderr.splitlines() if " WARNING: " in line]
    assert warnings and any("robots.txt" in line for line in warnings)
    text = log.read_text()
    assert " INFO: " in text and "Traceback" not in text
    assert "WARNING" not in logged.stderr  # all of it went to the file
