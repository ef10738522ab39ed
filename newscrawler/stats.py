"""What a crawl did, read from its own crawler's Scrapy stats: one reading for the summary, the
progress display, the `crawl_portal_runs` row and the exit status.

Every figure comes from the portal's own crawler: several portals crawl in one process, and a
process-wide figure (Scrapy's `log_count/ERROR`) would blame one portal for another's errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newscrawler.health import HEALTH_FIELDS, drops

STAT_PREFIX = "newscrawler/"
HEALTH_PREFIX = STAT_PREFIX + "health/"
# From worst to best: a run's outcome is its worst portal's; exit statuses follow it.
OUTCOMES = ("stopped", "failed", "degraded", "empty", "ok")
EXIT_STATUS = {"stopped": 130, "failed": 1, "degraded": 3, "empty": 0, "ok": 0}
# Scrapy's reasons for a spider closed on purpose (CLOSESPIDER_* limits) count as finished.
DELIBERATE_CLOSE = "closespider_"


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def worst(outcomes: list[str]) -> str:
    """The run's outcome: its worst portal's (a run of no portals is `empty`)."""
    return min(outcomes, key=OUTCOMES.index, default="empty")


@dataclass
class CrawlReport:
    """What one portal's crawl did, from its Scrapy stats.

    `run_stopped`: the process was told to stop (Ctrl-C, SIGTERM), so a crawl that never
    closed was stopped, not broken.
    """

    portal: str
    stats: dict[str, Any] = field(default_factory=dict)
    run_stopped: bool = False

    def count(self, name: str) -> int:
        return int(self.stats.get(STAT_PREFIX + name, 0))

    @property
    def dropped(self) -> dict[str, int]:
        """Pages that were not articles worth keeping, by reason."""
        return _by_reason(self.stats, STAT_PREFIX + "dropped/")

    @property
    def robots_failures(self) -> int:
        """robots.txt downloads that failed (the crawl goes on without it): a counted reason."""
        return sum(_by_reason(self.stats, "robotstxt/exception_count/").values())

    @property
    def error_reasons(self) -> dict[str, int]:
        """Fetches that failed (after retries), by reason: http_404, timeout, robots_txt..."""
        reasons = _by_reason(self.stats, STAT_PREFIX + "errors/")
        if self.robots_failures:
            reasons["robots_txt"] = self.robots_failures
        return reasons

    @property
    def fetch_failures(self) -> int:
        """Failed fetches of the portal's own pages (robots.txt aside: the crawl goes on)."""
        return sum(n for reason, n in self.error_reasons.items() if reason != "robots_txt")

    @property
    def pages(self) -> int:
        """Responses received, robots.txt not included."""
        return max(0, int(self.stats.get("response_received_count", 0))
                   - int(self.stats.get("robotstxt/response_count", 0)))

    @property
    def reached(self) -> int:
        """Pages that came back well (2xx, or 304 for a known article), robots.txt aside."""
        codes = _by_reason(self.stats, "downloader/response_status_count/")
        robots = _by_reason(self.stats, "robotstxt/response_status_count/")
        return sum(n - robots.get(code, 0) for code, n in codes.items()
                   if code.startswith("2") or code == "304")

    @property
    def unexpected(self) -> int:
        """Exceptions in this crawler's callbacks and pipelines: errors nobody counted by reason."""
        return sum(_by_reason(self.stats, STAT_PREFIX + "unexpected/").values())

    @property
    def errors(self) -> int:
        return sum(self.error_reasons.values()) + self.unexpected

    @property
    def finish_reason(self) -> str | None:
        return self.stats.get("finish_reason")

    @property
    def started(self) -> bool:
        return "start_time" in self.stats

    # -- health ---------------------------------------------------------------------------

    @property
    def health_articles(self) -> int:
        return int(self.stats.get(HEALTH_PREFIX + "articles", 0))

    @property
    def shares(self) -> dict[str, float]:
        """Per health field, the share of this run's articles that had it ({} with none)."""
        total = self.health_articles
        if not total:
            return {}
        return {name: int(self.stats.get(HEALTH_PREFIX + name, 0)) / total
                for name in HEALTH_FIELDS}

    @property
    def health_drops(self) -> list[str]:
        """Fields that fell against the portal's recent runs (read when the crawl opened)."""
        min_articles = int(self.stats.get(HEALTH_PREFIX + "min_articles", 1))
        if self.health_articles < min_articles:
            return []
        usual = {name: float(self.stats[key]) for name in HEALTH_FIELDS
                 if (key := f"{HEALTH_PREFIX}baseline/{name}") in self.stats}
        return drops(self.shares, usual, float(self.stats.get(HEALTH_PREFIX + "max_drop", 1.0)))

    # -- the verdict ----------------------------------------------------------------------

    @property
    def outcome(self) -> str:
        """ok, empty (nothing fetched), degraded (health fell), failed or stopped."""
        reason = self.finish_reason
        if reason == "shutdown" or (reason is None and self.run_stopped):
            return "stopped"
        if reason is None or not (reason == "finished" or reason.startswith(DELIBERATE_CLOSE)):
            return "failed"
        if self.unexpected:
            return "failed"
        if self.reached == 0:
            return "failed" if self.fetch_failures else "empty"
        return "degraded" if self.health_drops else "ok"

    @property
    def why(self) -> str:
        """One phrase saying why the outcome is not ok ("" when it is)."""
        outcome = self.outcome
        if outcome == "stopped":
            return "stopped before it finished"
        if outcome == "failed":
            if self.finish_reason is None:
                return "did not start" if not self.started else "did not finish"
            if self.unexpected:
                return f"{self.unexpected} unexpected errors (see the log)"
            if self.reached == 0:
                return "nothing could be fetched"
            return f"finished with {self.finish_reason}"
        if outcome == "empty":
            return "nothing fetched"
        if outcome == "degraded":
            return ", ".join(self.health_drops)
        return ""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"
