"""`newscrawler crawl`: usage errors exit 2, a failed portal exits 1, a good run exits 0 with
a summary; progress shows on a terminal; robots.txt Crawl-delay is obeyed; `scrapy crawl`
still works for Scrapy users."""

from __future__ import annotations

import os
import pty
import shlex
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from newscrawler.demo.server import serve

from .conftest import ROOT, run_cli
from .ops_site import counted, make_stories, write_site

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.mark.parametrize("args, message", [
    ([], "name the portals"),
    (["aksi", "--all"], "not both"),
    (["aksii"], "did you mean aksi"),
    (["aksi", "--since", "25/11/2020"], "YYYY-MM-DD"),
    (["aksi", "--until", "2020-11-30"], "until needs since"),
    (["aksi", "--since", "2020-12-01", "--until", "2020-11-01"], "is after"),
    (["aksi", "-s", "LOG_LEVEL"], "NAME=VALUE"),
])
def test_bad_usage_exits_2(args, message):
    result = run_cli("crawl", *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr


@pytest.mark.slow
def test_two_portals_summary_and_exit_0(tmp_path, demo_origin):
    db = tmp_path / "news.db"
    result = run_cli("crawl", "aksi", "inews", "--mirror", demo_origin, "--db", str(db),
                     "--jobdir", str(tmp_path / "job"), *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:3]}
    assert set(rows) == {"aksi", "inews"}
    assert "no_body=1" in rows["aksi"] or "body_too_short=1" in rows["aksi"]  # the notice
    assert "2 portals" in result.stdout and "added 5," in result.stdout
    assert "done: aksi                 ok" in result.stderr  # not a terminal: a line per portal
    assert (tmp_path / "job" / "aksi").is_dir() and (tmp_path / "job" / "inews").is_dir()


@pytest.mark.slow
def test_a_portal_that_cannot_be_reached_fails_the_run(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = run_cli("crawl", "aksi", "--mirror", closed, "--db", str(tmp_path / "news.db"),
                     "-s", "RETRY_TIMES=0", *FAST)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "connection_refused=" in result.stdout
    assert "FAILED aksi: nothing could be fetched" in result.stdout


@pytest.mark.slow
def test_progress_on_a_terminal(tmp_path, demo_origin):
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "newscrawler.cli", "crawl", "aksi", "inews", "--mirror",
         demo_origin, "--db", str(tmp_path / "news.db"), *FAST],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    summary = process.communicate(timeout=60)[0]
    os.close(controller)
    assert process.returncode == 0
    text = shown.decode()
    assert "portals done" in text and "\x1b[2K" in text  # redrawn in place
    assert "2/2 portals done" in text
    assert "added 5," in summary


@pytest.mark.slow
def test_robots_crawl_delay_is_obeyed_even_with_autothrottle(tmp_path):
    stories = make_stories(4)
    root = write_site(tmp_path / "site", stories, robots="User-agent: *\nCrawl-delay: 0.5\n")
    routes, hits = counted(root, stories)
    times: list[float] = []
    for path, route in list(routes.items()):
        routes[path] = lambda p, route=route: (times.append(time.monotonic()), route(p))[1]
    with serve(root, routes) as origin:
        result = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(tmp_path / "n.db"),
                         "-s", "AUTOTHROTTLE_ENABLED=True", "-s", "AUTOTHROTTLE_START_DELAY=0",
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_TARGET_CONCURRENCY=8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(times) == 4
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert min(gaps) >= 0.47, gaps  # 0.5 s apart, AutoThrottle or not


@pytest.mark.slow
def test_scrapy_crawl_keeps_working(tmp_path, demo_origin):
    db = tmp_path / "news.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "aksi", "-a", f"site={demo_origin}/aksi.id",
         "-s", f"NEWSCRAWLER_DB={db}", *FAST, "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 3


DEPLOY = ROOT / "deploy"


def newscrawler_words(command: str) -> list[str]:
    """The arguments a recipe gives `newscrawler`, up to a shell redirection."""
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w.endswith("bin/newscrawler"))
    rest = words[start + 1:]
    return rest[:rest.index(">>")] if ">>" in rest else rest


def recipe_lines(path, prefix: str = "") -> list[str]:
    return [line.removeprefix(prefix) for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#") and line.startswith(prefix)]


def test_schedule_recipes_run_real_commands():
    from newscrawler.cli import build_parser

    parser = build_parser()
    [cron] = recipe_lines(DEPLOY / "cron" / "newscrawler.cron")
    args = parser.parse_args(newscrawler_words(" ".join(cron.split()[5:])))
    assert args.func.__name__ == "cmd_crawl" and args.all and args.jobdir
    for unit, command in (("newscrawler-crawl.service", "cmd_crawl"),
                          ("newscrawler-ingest.service", "cmd_ingest")):
        [exec_start] = recipe_lines(DEPLOY / "systemd" / unit, "ExecStart=")
        assert parser.parse_args(newscrawler_words(exec_start)).func.__name__ == command
    for timer in (DEPLOY / "systemd" / "newscrawler-crawl.timer",
                  DEPLOY / "scrapyd" / "newscrawler-schedule.timer"):
        assert recipe_lines(timer, "OnCalendar=") == ["hourly"]
    [scheduled] = recipe_lines(DEPLOY / "scrapyd" / "newscrawler-schedule.cron")
    assert "deploy/scrapyd/schedule.py" in scheduled


def test_scrapyd_scheduler_says_when_scrapyd_is_away():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = subprocess.run([sys.executable, str(DEPLOY / "scrapyd" / "schedule.py"),
                             "--url", closed, "aksi"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and f"scrapyd at {closed}" in result.stderr
