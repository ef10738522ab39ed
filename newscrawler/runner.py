"""Run portal crawls in this process and report what each did (the demo and `crawl` use it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

STAT_PREFIX = "newscrawler/"


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: int(v) for k, v in stats.items() if k.startswith(prefix)}


@dataclass
class CrawlReport:
    """What one portal's crawl did, from its Scrapy stats."""

    portal: str
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return int(self.stats.get(STAT_PREFIX + name, 0))

    @property
    def dropped(self) -> dict[str, int]:
        """Pages that were not articles worth keeping, by reason."""
        return _by_reason(self.stats, STAT_PREFIX + "dropped/")

    @property
    def robots_failures(self) -> int:
        """robots.txt downloads that failed (Scrapy logs each as an error, and crawls on)."""
        return sum(_by_reason(self.stats, "robotstxt/exception_count/").values())

    @property
    def error_reasons(self) -> dict[str, int]:
        """Fetches that failed (after retries), by reason: http_404, timeout, bad_feed..."""
        reasons = _by_reason(self.stats, STAT_PREFIX + "errors/")
        if self.robots_failures:
            reasons["robots_txt"] = self.robots_failures
        return reasons

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def unexpected(self) -> int:
        """Errors nobody counted by reason: exceptions in our code, failed pipelines."""
        return max(0, int(self.stats.get("log_count/ERROR", 0)) - self.robots_failures)

    @property
    def errors(self) -> int:
        return sum(self.error_reasons.values()) + self.unexpected

    @property
    def finish_reason(self) -> str | None:
        return self.stats.get("finish_reason")

    @property
    def failed(self) -> bool:
        """Did not finish, hit an unexpected error, or reached nothing of the portal at all."""
        return (self.finish_reason != "finished" or self.unexpected > 0
                or (self.pages == 0 and bool(self.error_reasons)))


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


def run_crawls(jobs: dict[str, dict[str, Any]], overrides: dict[str, Any] | None = None, *,
               jobdir: str | Path | None = None, progress: Progress | None = None,
               interval: float = 2.0) -> list[CrawlReport]:
    """Crawl each portal (id -> spider arguments) in one process; blocks until all are done.

    `jobdir` makes the crawls resumable: each portal keeps its state in `jobdir/<portal>`.
    `progress` is called with the reports so far every `interval` seconds, and at the end.
    """
    process = CrawlerProcess(project_settings(overrides))
    crawlers = []
    for portal_id, arguments in jobs.items():
        crawler = process.create_crawler(portal_id)
        if jobdir is not None:
            crawler.settings.set("JOBDIR", str(Path(jobdir) / portal_id), priority="cmdline")
        process.crawl(crawler, **arguments)
        crawlers.append((portal_id, crawler))

    def reports() -> list[CrawlReport]:
        return [CrawlReport(pid, live_stats(c)) for pid, c in crawlers]

    if progress is not None:
        from twisted.internet import reactor, task

        ticker = task.LoopingCall(lambda: progress(reports()))
        reactor.callWhenRunning(ticker.start, interval, now=False)
    process.start()
    final = reports()
    if progress is not None:
        progress(final)
    return final
