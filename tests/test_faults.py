"""Faults served from the local server: dead and malformed sitemaps and feeds, 404/410/5xx,
timeouts, redirect loops, truncated bodies, wrong charsets. Each is retried where that makes
sense, counted by its reason in the summary and the run's stats, and none stops the crawl."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from newscrawler.demo.server import serve

from .conftest import run_cli
from .ops_site import counted, make_stories, sitemap, sitemap_index, write_site

pytestmark = pytest.mark.slow
GOOD, MISSING, GONE, BUSY, SLOW, LOOP, CUT, CHARSET = range(8)
LOOP_OTHER_END = "/aksi.id/nasional/halaman-putar-balik-lain"


def test_every_fault_is_counted_and_none_is_fatal(tmp_path):
    stories = make_stories(8)
    root = write_site(tmp_path / "site", [stories[GOOD], stories[CHARSET]])
    site = root / "aksi.id"
    # The sitemap index names a dead sitemap, a malformed one and the real one.
    newest = stories[-1].published
    (site / "wp-sitemap.xml").write_text(sitemap_index({
        "sitemap-mati.xml": newest, "sitemap-rusak.xml": newest,
        "wp-sitemap-posts-post-1.xml": newest}), encoding="utf-8")
    (site / "sitemap-rusak.xml").write_text("<html><body>502 Bad Gateway", encoding="utf-8")
    (site / "wp-sitemap-posts-post-1.xml").write_text(sitemap(stories), encoding="utf-8")
    (site / "feed" / "index.xml").write_text("<html><body>Maaf, sedang perbaikan</body></html>",
                                             encoding="utf-8")

    def fault(story):
        number = story.number
        if number == GONE:
            return 410, {"Content-Type": "text/html"}, b"<html>dihapus</html>"
        if number == BUSY:
            return 503, {"Content-Type": "text/html", "Retry-After": "0"}, b"<html>sibuk</html>"
        if number == SLOW:
            time.sleep(3)
        if number == LOOP:
            return 302, {"Location": LOOP_OTHER_END}, b""
        body = story.html().encode("utf-8")
        if number == CUT:  # promises more than it sends, then hangs up
            return 200, {"Content-Type": "text/html", "Content-Length": str(len(body) + 900),
                         "Connection": "close"}, body[: len(body) // 2]
        if number == CHARSET:  # says UTF-8, sends Windows-1252
            body = story.html().replace("Kerja Bakti", "Kerja Bakti – Café").encode("cp1252")
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body
        return 200, {"Content-Type": "text/html"}, body

    faulty = [s for s in stories if s.number not in (GOOD, MISSING)]
    routes, hits = counted(root, faulty, answer=fault)
    routes[LOOP_OTHER_END] = lambda _: (302, {"Location": stories[LOOP].path}, b"")
    db = tmp_path / "news.db"
    with serve(root, routes) as origin:
        result = run_cli("crawl", "aksi", "--mirror", origin, "--db", str(db),
                         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                         "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1")
    assert result.returncode == 0, result.stdout + result.stderr  # faults are not failures
    line = next(row for row in result.stdout.splitlines() if row.startswith("aksi "))
    for reason in ("http_404=2", "http_410=1", "http_503=1", "timeout=1", "redirect_loop=1",
                   "truncated=1", "bad_sitemap=1", "bad_feed=1"):
        assert reason in line, (reason, line)
    assert hits[stories[BUSY].slug] == 2 and hits[stories[CUT].slug] == 2  # retried once
    assert hits[stories[GONE].slug] == 1  # a 410 is final
    with sqlite3.connect(db) as conn:
        titles = sorted(r[0] for r in conn.execute("select title from articles"))
        run = conn.execute("select finish_reason from crawl_runs").fetchall()
        errors, by_reason = conn.execute("select errors, errors_by_reason from crawl_runs").fetchone()
    assert titles[0] == stories[GOOD].title
    assert len(titles) == 2 and titles[1].startswith("Kerja Bakti")  # the wrong charset too
    assert run == [("finished",)]
    # The run record keeps the same counts by reason as the summary.
    by_reason = json.loads(by_reason)
    assert by_reason["http_404"] == 2 and by_reason["timeout"] == 1 and by_reason["bad_feed"] == 1
    assert errors == sum(by_reason.values())
