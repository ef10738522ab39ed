"""The offline demo: a small site of our own pages, mirroring two portals' structures
(aksi.id, a WordPress site; inews.id, with multi-page articles), crawled with the real spiders
through the real pipelines into the archive."""

from __future__ import annotations

from pathlib import Path

from newscrawler.demo.server import serve
from newscrawler.runner import CrawlReport, run_crawls

SITE = Path(__file__).with_name("site")
# Its own archive: the demo's made-up articles have real portals' URLs, and must never be
# mixed with crawled news. Its own folder, so the file keeps the name datasette's configuration
# is written for (`newscrawler serve --db data/demo/news.db`).
DEMO_DB = Path("data") / "demo" / "news.db"
DEMO_PORTALS = {"aksi": "aksi.id", "inews": "inews.id"}
DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "LOG_LEVEL": "ERROR",  # the summary lists drops and errors by reason
}


def run_demo(db: str | Path) -> list[CrawlReport]:
    """Serve the demo site on 127.0.0.1 and crawl it into `db`."""
    with serve(SITE) as origin:
        jobs = {pid: {"site": f"{origin}/{folder}"} for pid, folder in DEMO_PORTALS.items()}
        return run_crawls(jobs, {**DEMO_SETTINGS, "NEWSCRAWLER_DB": str(db)})
