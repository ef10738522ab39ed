"""Run portal crawls in this process and report what each did (the demo and `crawl` use it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from newscrawler.logs import quiet_network_errors
from newscrawler.stats import CrawlReport

__all__ = ["CrawlReport", "Progress", "live_stats", "project_settings", "run_crawls"]


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = get_project_settings()
    settings.setmodule("newscrawler.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def live_stats(crawler: Crawler) -> dict[str, Any]:
    """The crawler's stats so far ({} before it has started)."""
    try:
        return dict(crawler.stats.get_stats())
    except RuntimeError:
        return {}


Progress = Callable[[list[CrawlReport]], None]


def open_run(settings: Settings, portals: list[str]) -> int:
    """One `crawl_runs` row for the crawls started together; each adds its figures to it."""
    from newscrawler.storage import Archive

    with Archive(settings.get("NEWSCRAWLER_DB")) as archive:
        return archive.begin_run(portals, spider="crawl" if len(portals) != 1 else portals[0])


def close_run(settings: Settings, run_id: int, reports: list[CrawlReport]) -> None:
    """Record the crawls that could not record themselves (stopped, never started)."""
    from newscrawler.storage import Archive

    with Archive(settings.get("NEWSCRAWLER_DB")) as archive:
        archive.close_run(run_id, reports)


def was_stopped(reports: list[CrawlReport]) -> bool:
    """Told to stop: a crawl closed for shutdown, or one that started never closed (a second
    Ctrl-C stops the process without closing the crawls)."""
    return any(r.finish_reason == "shutdown" or (r.started and not r.finish_reason)
               for r in reports)


def run_crawls(jobs: dict[str, dict[str, Any]], overrides: dict[str, Any] | None = None, *,
               jobdir: str | Path | None = None, progress: Progress | None = None,
               interval: float = 2.0) -> list[CrawlReport]:
    """Crawl each portal (id -> spider arguments) in one process; blocks until all are done.

    `jobdir` makes the crawls resumable: each portal keeps its state in `jobdir/<portal>`.
    `progress` is called with the reports so far every `interval` seconds, and at the end.
    A Ctrl-C (once: the crawls close; twice: at once) ends them as `stopped`.
    """
    settings = project_settings(overrides)
    quiet_network_errors()
    run_id = None
    # With Redis, items go to the shared queue and `ingest` records the runs in the archive.
    if not settings.get("NEWSCRAWLER_REDIS_URL") and not settings.get("NEWSCRAWLER_RUN_ID"):
        run_id = open_run(settings, list(jobs))
        settings.set("NEWSCRAWLER_RUN_ID", run_id, priority="cmdline")
    crawlers: dict[str, Crawler] = {}

    def reports(stopped: bool = False) -> list[CrawlReport]:
        return [CrawlReport(pid, live_stats(crawlers[pid]) if pid in crawlers else {}, stopped)
                for pid in jobs]

    interrupted = False
    try:
        process = start_process(settings, jobs, crawlers, jobdir)
        if progress is not None:
            from twisted.internet import reactor, task

            ticker = task.LoopingCall(lambda: progress(reports()))
            reactor.callWhenRunning(ticker.start, interval, now=False)
        process.start()
    except KeyboardInterrupt:  # during start-up, before Scrapy handles the signal
        interrupted = True
    final = reports(stopped=interrupted or was_stopped(reports()))
    if run_id is not None:
        close_run(settings, run_id, final)
    if progress is not None:
        progress(final)
    return final


def start_process(settings: Settings, jobs: dict[str, dict[str, Any]],
                  crawlers: dict[str, Crawler], jobdir: str | Path | None) -> CrawlerProcess:
    """A CrawlerProcess with one crawler per portal (added to `crawlers` as they are made)."""
    process = CrawlerProcess(settings)
    for portal_id, arguments in jobs.items():
        crawler = process.create_crawler(portal_id)
        if jobdir is not None:
            crawler.settings.set("JOBDIR", str(Path(jobdir) / portal_id), priority="cmdline")
        crawlers[portal_id] = crawler
        process.crawl(crawler, **arguments)
    return process
