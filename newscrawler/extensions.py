"""Scrapy extensions for running unattended: robots.txt Crawl-delay, crash-safe job directories,
redirect loops counted.

CrawlDelay: Scrapy reads robots.txt (ROBOTSTXT_OBEY) but ignores its `Crawl-delay` line. This
extension reads it from the parsed robots.txt (Protego) and makes it the floor of the site's
download slot delay, which AutoThrottle may raise but never lower below it (and which Scrapy's
random jitter no longer shortens).

JobdirGuard: Scrapy's JOBDIR survives SIGINT/SIGTERM (the queue and the seen-set are written
when the spider closes) but not SIGKILL or a power cut: the seen-set is then partly written
and the queue's index lost, so a resumed run would skip URLs it never fetched. A marker file
tells the two apart; after a kill the untrustworthy state is set aside and discovery starts
again, while the archive (the incremental middleware) keeps what was stored from being
fetched or stored twice.

RedirectLoops: a redirect back to a URL of the same chain is dropped by the seen-set without a
word (no errback runs); this counts it as `newscrawler/errors/redirect_loop`.

RunAccounting: what decides a portal's outcome, counted in its own crawler's stats (several
portals share a process, and Scrapy's `log_count/ERROR` counts the whole process): exceptions
in callbacks and pipelines, and the articles' health against the portal's recent runs.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawler.health import article_health, baseline
from newscrawler.stats import HEALTH_PREFIX, STAT_PREFIX

logger = logging.getLogger(__name__)

RUNNING_MARKER = "newscrawler-running"
SCHEDULER_STATE = ("requests.queue", "requests.seen")
KILLED_STATE = "killed-run"


class CrawlDelay:
    """Obeys robots.txt Crawl-delay per download slot (capped by NEWSCRAWLER_CRAWL_DELAY_MAX)."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.cap = settings.getfloat("NEWSCRAWLER_CRAWL_DELAY_MAX", 60.0)
        self.floors: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelay:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        if delay > self.cap:
            logger.warning("robots.txt of %s asks for a %.0f s crawl delay; using %.0f s "
                           "(NEWSCRAWLER_CRAWL_DELAY_MAX)", request.url, delay, self.cap)
            delay = self.cap
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        self.floors[key] = delay
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        slot_settings["jitter"] = 0.0  # a random delay may not go below what was asked
        self.crawler.stats.max_value("newscrawler/robots_crawl_delay", delay)
        self.apply_floor(key)
        logger.info("robots.txt Crawl-delay for %s: %.1f s", key, delay)

    def response_downloaded(self, response: Response, request: Request, spider: Any) -> None:
        """Connected after AutoThrottle's handler: undo any lowering below the floor."""
        key = request.meta.get("download_slot")
        if key in self.floors:
            self.apply_floor(key)

    def apply_floor(self, key: str) -> None:
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, self.floors[key])
            slot.jitter = 0.0


class JobdirGuard:
    """Marks a job directory as in use; sets a killed run's scheduler state aside on start."""

    def __init__(self, crawler: Crawler, jobdir: Path):
        self.marker = jobdir / RUNNING_MARKER
        jobdir.mkdir(parents=True, exist_ok=True)
        if self.marker.exists():
            self.set_aside_killed_state(jobdir, self.marker.read_text(encoding="utf-8").strip())
            crawler.stats.set_value("newscrawler/resumed_after_kill", 1)
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.marker.write_text(f"pid {os.getpid()} since {started}\n", encoding="utf-8")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobdirGuard:
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured
        return cls(crawler, Path(jobdir))

    @staticmethod
    def set_aside_killed_state(jobdir: Path, marker_text: str) -> None:
        """Move the killed run's queue and seen-set to `killed-run/` (replacing an older one)."""
        aside = jobdir / KILLED_STATE
        moved = [name for name in SCHEDULER_STATE if (jobdir / name).exists()]
        if moved:
            shutil.rmtree(aside, ignore_errors=True)
            aside.mkdir()
            for name in moved:
                shutil.move(str(jobdir / name), str(aside / name))
        logger.warning("the last run in %s (%s) was killed before it could save its queue: "
                       "starting discovery again; archived articles are not fetched twice%s",
                       jobdir, marker_text, f" (its state is in {aside})" if moved else "")

    def spider_closed(self, reason: str) -> None:
        """The scheduler has saved its state by now (Scrapy closes it before this signal)."""
        self.marker.unlink(missing_ok=True)


class RedirectLoops:
    """Counts redirects that came back to a URL their own chain had already visited."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoops:
        return cls(crawler)

    def request_dropped(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls", ())
        if request.url in chain:
            self.stats.inc_value("newscrawler/errors/redirect_loop")
            logger.warning("redirect_loop: %s (via %s)", chain[0], " -> ".join(chain[1:]))


class RunAccounting:
    """Counts this crawler's unexpected errors and its articles' health, in its own stats.

    When the spider opens, the portal's usual health (the mean over its last
    NEWSCRAWLER_HEALTH_RUNS ok runs in the archive) goes into the stats too, so the verdict
    (`CrawlReport.outcome`) is read from the stats alone, the same by every reader.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        for handler, signal in ((self.spider_opened, signals.spider_opened),
                                (self.spider_error, signals.spider_error),
                                (self.item_error, signals.item_error),
                                (self.item_scraped, signals.item_scraped)):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunAccounting:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        settings = self.crawler.settings
        min_articles = settings.getint("NEWSCRAWLER_HEALTH_MIN_ARTICLES", 5)
        self.stats.set_value(HEALTH_PREFIX + "min_articles", min_articles)
        self.stats.set_value(HEALTH_PREFIX + "max_drop",
                             settings.getfloat("NEWSCRAWLER_HEALTH_MAX_DROP", 0.3))
        recent = self.recent_health(spider.name, settings.getint("NEWSCRAWLER_HEALTH_RUNS", 5))
        for name, share in baseline(recent, min_articles).items():
            self.stats.set_value(f"{HEALTH_PREFIX}baseline/{name}", round(share, 4))

    def recent_health(self, portal: str, runs: int) -> list[dict[str, Any]]:
        """The portal's last ok runs in the archive ([] without an archive to read)."""
        from newscrawler.storage import Archive, ArchiveError

        if self.crawler.settings.get("NEWSCRAWLER_REDIS_URL"):
            return []  # a worker: the archive is the ingest machine's
        try:
            with Archive(self.crawler.settings.get("NEWSCRAWLER_DB"), readonly=True) as archive:
                return archive.recent_health(portal, runs)
        except ArchiveError as exc:
            logger.info("no health baseline for %s: %s", portal, exc)
            return []

    def item_scraped(self, item: Any) -> None:
        self.stats.inc_value(HEALTH_PREFIX + "articles")
        for name, present in article_health(item).items():
            self.stats.inc_value(HEALTH_PREFIX + name, int(present))

    def spider_error(self, failure: Failure) -> None:
        self.stats.inc_value(STAT_PREFIX + "unexpected/spider_error")

    def item_error(self, failure: Failure) -> None:
        self.stats.inc_value(STAT_PREFIX + "unexpected/item_error")
