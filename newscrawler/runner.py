"""Run portal crawls in this process and report what each did (the demo and `crawl` use it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

STAT_PREFIX = "newscrawler/"


@dataclass
class CrawlReport:
    """What one portal's crawl did, from its Scrapy stats."""

    portal: str
    stats: dict[str, Any] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return int(self.stats.get(STAT_PREFIX + name, 0))

    @property
    def dropped(self) -> dict[str, int]:
        prefix = STAT_PREFIX + "dropped/"
        return {k[len(prefix):]: v for k, v in self.stats.items() if k.startswith(prefix)}

    @property
    def pages(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0))


def project_settings(overrides: dict[str, Any] | None = None):
    settings = get_project_settings()
    settings.setmodule("newscrawler.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_crawls(jobs: dict[str, dict[str, Any]], overrides: dict[str, Any] | None = None
               ) -> list[CrawlReport]:
    """Crawl each portal (id -> spider arguments) in one process; blocks until all are done."""
    process = CrawlerProcess(project_settings(overrides))
    crawlers = []
    for portal_id, arguments in jobs.items():
        crawler = process.create_crawler(portal_id)
        process.crawl(crawler, **arguments)
        crawlers.append((portal_id, crawler))
    process.start()
    return [CrawlReport(pid, dict(c.stats.get_stats())) for pid, c in crawlers]
