"""What a crawl did, read from its Scrapy stats: one reading for the summary, the progress
display and the `crawl_runs` row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
