"""scrapyd for real: start scrapyd on 127.0.0.1 in a temporary folder, deploy the project with
scrapyd-client's `scrapyd-deploy` (from scrapy.cfg, as an operator would), schedule a portal's
spider with deploy/scrapyd/schedule.py (the call the cron and timer recipes make) against a
local mirror, and find its articles in the archive."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawler.demo.server import serve

from .conftest import ROOT, free_port, wait_until_serving
from .ops_site import make_stories, write_site

pytestmark = pytest.mark.slow
SCRAPYD = shutil.which("scrapyd")
DEPLOY = shutil.which("scrapyd-deploy")
needs_scrapyd = pytest.mark.skipif(
    SCRAPYD is None or DEPLOY is None,
    reason="scrapyd and scrapyd-client are not installed (pip install -e '.[ops]')")
PROJECT_FILES = ("newscrawler", "pyproject.toml", "setup.py", "scrapy.cfg", "README.md")


def api(base: str, endpoint: str) -> dict:
    with urllib.request.urlopen(f"{base}/{endpoint}", timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """A scrapyd of its own: port, eggs, logs and job database in a temporary folder."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.2\n"
        f"max_proc = 1\neggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"dbs_dir = {home / 'dbs'}\nitems_dir =\n", encoding="utf-8")
    with open(home / "scrapyd.log", "w") as log:
        server = subprocess.Popen([SCRAPYD], cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(server, lambda: api(base, "daemonstatus.json"), OSError, "scrapyd",
                       log=home / "scrapyd.log")
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)


def project_copy(tmp_path: Path, base: str) -> Path:
    """The project as checked out, with scrapy.cfg's deploy target pointed at this scrapyd
    (scrapyd-deploy builds in the project folder: the work tree is left alone)."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, copy / name)
    (copy / "README.md").touch()
    cfg = (copy / "scrapy.cfg").read_text(encoding="utf-8")
    (copy / "scrapy.cfg").write_text(cfg + f"\n[deploy:test]\nurl = {base}/\n"
                                     "project = newscrawler\n", encoding="utf-8")
    return copy


def wait_finished(base: str, job: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        jobs = api(base, "listjobs.json?project=newscrawler")
        if any(j["id"] == job for j in jobs["finished"]):
            return
        assert time.monotonic() < deadline, f"job {job} still not finished: {jobs}"
        time.sleep(0.3)


@needs_scrapyd
def test_deploy_schedule_and_find_the_articles(tmp_path, scrapyd):
    project = project_copy(tmp_path, scrapyd)
    deploy = subprocess.run([DEPLOY, "test", "--version", "r1"], cwd=project,
                            capture_output=True, text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout, deploy.stdout
    spiders = api(scrapyd, "listspiders.json?project=newscrawler")["spiders"]
    # scrapyd lists spiders by running the egg: the portal descriptions load from the zip.
    assert {"aksi", "inews", "url"} <= set(spiders)

    stories = make_stories(6)
    root = write_site(tmp_path / "site", stories)
    db = tmp_path / "news.db"
    with serve(root) as origin:  # scheduled as the timer and cron recipes do it
        scheduled = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "scrapyd" / "schedule.py"), "--url", scrapyd,
             "--set", f"NEWSCRAWLER_DB={db}", "--set", "DOWNLOAD_DELAY=0",
             "--set", "AUTOTHROTTLE_ENABLED=False", "--arg", f"site={origin}/aksi.id", "aksi"],
            capture_output=True, text=True, timeout=60)
        assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
        job = scheduled.stdout.split("scheduled job ")[1].split()[0]
        wait_finished(scrapyd, job)
    log = next((tmp_path / "scrapyd" / "logs").rglob(f"{job}.log")).read_text()
    assert "Spider closed (finished)" in log, log[-2000:]
    with sqlite3.connect(db) as conn:
        titles = {row[0] for row in conn.execute("select title from articles")}
        runs = conn.execute("select count(*) from crawl_runs").fetchone()[0]
    assert titles == {s.title for s in stories}, log[-3000:]
    assert runs == 1
