"""The one spider class: it reads a portal description and crawls that portal.

Discovery follows the description: sitemap indexes and Google News sitemaps (read as a stream,
`newscrawler.extract.sitemaps`), RSS/Atom feeds, listing pages and index-by-date pages. A
discovery page's first requests go out at once; the rest of a big one (a 200k-URL sitemap, a
100k-link page) are handed to the engine bit by bit by a `RequestFeeder`, while the scheduler
has room, so the crawl fetches from the start and memory stays low. Every
article URL is made canonical (`newscrawler.urls`) before it is requested, so one article is
one request and one row; the incremental middleware then skips the ones already archived.
Each article's pages (all of them, for a paginated one) are handed on as fetched; the pipelines
read them through `newscrawler.page.process_page`, dedupe and store the article. A failed fetch
is counted by its reason (`newscrawler/errors/<reason>`), never fatal to the crawl.

Spider arguments (`scrapy crawl kompas -a name=value`):
  site        serve the portal from another origin, e.g. a local mirror
              (`-a site=http://127.0.0.1:8000/kompas.com`): description URLs are rewritten to it
  start_urls  comma-separated URLs to start from instead of the description's (listing pages,
              sitemaps or feeds: each response is recognised by its content)
  since/until backfill a range of days (YYYY-MM-DD, until defaults to today): walks the
              index-by-date pages of those days and the sitemap entries whose lastmod is in it
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import chain, islice
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.internet import error as net
from twisted.internet.defer import TimeoutError as DeferredTimeoutError
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from newscrawler.addresses import join_url, url_host
from newscrawler.extract.links import feed_links, is_feed, next_page_url, page_links
from newscrawler.extract.sitemaps import SitemapError, sitemap_entries
from newscrawler.items import Fetched, RawPage
from newscrawler.page import request_key
from newscrawler.portals import Portal, PortalError
from newscrawler.urls import clean_url, home_origin

logger = logging.getLogger(__name__)

KEPT_HEADERS = ("Content-Type", "Date", "Last-Modified", "ETag", "Content-Language")
# Failures by exception type (Scrapy's download errors and Twisted's), for the stats; the
# first type that matches names the reason.
FAILURE_REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((DownloadTimeoutError, net.TimeoutError, DeferredTimeoutError), "timeout"),
    ((CannotResolveHostError, net.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, net.ConnectionRefusedError), "connection_refused"),
    ((ResponseDataLossError,), "truncated"),
    ((net.ConnectionLost, net.ConnectionDone, ResponseFailed), "connection_lost"),
    ((DownloadFailedError,), "download_failed"),
)


class SkipRequest(IgnoreRequest):
    """A request left out on purpose and already counted (known article, not modified)."""


def failure_reason(failure: Failure) -> str | None:
    """Why a request failed, as a stat name; None when it was skipped on purpose."""
    exc = failure.value
    if isinstance(exc, SkipRequest):
        return None
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "redirections" in text:
            return "redirect_loop" if _revisits(failure.request) else "too_many_redirects"
        if "DOWNLOAD_MAXSIZE" in text:  # a gzip bomb, stopped while inflating
            return "too_large"
        return None if "robots.txt" in text else "ignored"
    if "larger than download max size" in str(exc):
        return "too_large"  # DOWNLOAD_MAXSIZE cancelled it: not a network fault
    reasons = getattr(exc, "reasons", None)  # Twisted's ResponseFailed wraps the cause
    if reasons:
        exc = reasons[0].value
    for types, reason in FAILURE_REASONS:
        if isinstance(exc, types):
            return reason
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()  # counted, by name


def _revisits(request: Request | None) -> bool:
    """Whether a redirect chain came back to a URL it had already visited."""
    chain_urls = request.meta.get("redirect_urls", []) if request is not None else []
    return len(set(chain_urls)) < len(chain_urls) or (
        request is not None and request.url in chain_urls)


def count_failure(spider: Any, failure: Failure) -> None:
    """Count a failed request by its reason and log it as a warning: faults are not fatal."""
    reason = failure_reason(failure)
    if reason is None:
        return
    spider.crawler.stats.inc_value(f"newscrawler/errors/{reason}")
    logger.warning("%s: %s (%s)", reason, failure.request.url, failure.getErrorMessage())


def kept_headers(response: Response) -> dict[str, str]:
    """The response headers worth keeping with a raw page (for re-extraction and revalidation)."""
    out = {}
    for name in KEPT_HEADERS:
        value = response.headers.get(name)
        if value:
            out[name] = value.decode("latin-1")
    return out


def raw_page(response: Response) -> RawPage:
    return RawPage(
        url=response.url,
        status=response.status,
        fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        body=response.body,
        headers=kept_headers(response),
    )


def read_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name}: expected a day as YYYY-MM-DD, got {text!r}") from None


def read_stamp(text: str | None, tz: ZoneInfo) -> date | None:
    """The day of a sitemap lastmod (W3C datetime) in the portal's time zone; None if unreadable."""
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(tz).date() if stamp.tzinfo else stamp.date()


@dataclass(frozen=True)
class DateWindow:
    """The days a backfill covers, both ends included."""

    since: date
    until: date

    def days(self) -> list[date]:
        """Newest first: the most recent articles are the likeliest to be asked for."""
        count = (self.until - self.since).days + 1
        return [self.until - timedelta(days=n) for n in range(count)]

    def holds(self, day: date | None) -> bool:
        """An entry dated in the window (an undated one may be: it is kept)."""
        return day is None or self.since <= day <= self.until

    def may_hold(self, day: date | None) -> bool:
        """A sitemap last changed on `day` can hold entries of the window unless it is older."""
        return day is None or day >= self.since


def backfill_window(since: str | None, until: str | None, today: date) -> DateWindow | None:
    """The window of `-a since=... -a until=...`; None without `since`. Bad input: ValueError."""
    if since is None:
        if until is not None:
            raise ValueError("until needs since: give the first day of the backfill too")
        return None
    first = read_day(since, "since")
    last = read_day(until, "until") if until else today
    if first > last:
        raise ValueError(f"since ({first}) is after until ({last})")
    return DateWindow(first, last)


def entry_urls(argument: str | None) -> tuple[list[str], list[str]]:
    """The URLs of `-a start_urls=...` and the entries that are no http(s) URL with a host."""
    given = [u.strip() for u in argument.split(",") if u.strip()] if argument else []
    good = [u for u in given if u.lower().startswith(("http://", "https://")) and url_host(u)]
    return good, [u for u in given if u not in good]


def index_page_url(template: str, day: date) -> str:
    """An index-by-date page: the description's template with its {date:...} fields filled."""
    try:
        return template.format(date=day)
    except (KeyError, IndexError, ValueError) as exc:
        raise PortalError(f"discovery.index_by_date {template!r}: {exc}") from exc


class RequestFeeder:
    """Hands the requests of big discovery pages to the engine while its scheduler has room.

    A callback that yielded 200k requests would hold its response in the scraper (which stops
    the downloads meanwhile) and every request in memory. So a callback yields its first
    requests itself and leaves the rest here, as an iterator still being read: a few hundred
    go to the engine per reactor turn while fewer than `max_pending` wait in the scheduler,
    and the spider is kept open until every iterator is done.
    """

    BATCH = 200  # requests per reactor turn
    PAUSE = 0.5  # seconds to wait when the scheduler is full

    def __init__(self, crawler: Crawler, max_pending: int):
        self.crawler = crawler
        self.max_pending = max_pending
        self.sources: deque[Iterator[Request]] = deque()
        self.call: Any = None
        crawler.signals.connect(self.keep_open, signal=signals.spider_idle)
        crawler.signals.connect(self.stop, signal=signals.spider_closed)

    def add(self, requests: Iterator[Request]) -> None:
        self.sources.append(requests)
        self.schedule(0)

    def schedule(self, delay: float) -> None:
        if self.call is None or not self.call.active():
            from twisted.internet import reactor  # the one Scrapy installed

            self.call = reactor.callLater(delay, self.feed)

    def feed(self) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine else None
        if scheduler is None:
            return
        room = min(self.BATCH, self.max_pending - len(scheduler))  # type: ignore[arg-type]
        while room > 0 and self.sources:
            request = self.next_request()
            if request is None:
                self.sources.popleft()
                continue
            engine.crawl(request)
            room -= 1
        if self.sources:
            self.schedule(0 if room == 0 and len(scheduler) < self.max_pending  # type: ignore
                          else self.PAUSE)

    def next_request(self) -> Request | None:
        """The first source's next request; None when it is done, or broke (counted)."""
        try:
            return next(self.sources[0], None)
        except Exception:  # a bug in one discovery page must not stop the others
            self.crawler.stats.inc_value("newscrawler/errors/discovery_failed")
            logger.exception("reading a discovery page failed; its remaining links are lost")
            return None

    def keep_open(self) -> None:
        if self.sources:
            self.schedule(0)
            raise DontCloseSpider

    def stop(self) -> None:
        self.sources.clear()
        if self.call is not None and self.call.active():
            self.call.cancel()


class PortalSpider(Spider):
    """Crawls one described portal. Subclassed per portal by the spider loader (name, portal)."""

    portal: Portal
    INLINE_REQUESTS = 1000  # requests a discovery callback yields itself; the rest are fed

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        max_pending = crawler.settings.getint("NEWSCRAWLER_MAX_PENDING", 5000)
        spider.feeder = RequestFeeder(crawler, max_pending)
        return spider

    def __init__(self, *args: Any, site: str | None = None, start_urls: str | None = None,
                 since: str | None = None, until: str | None = None, **kwargs: Any):
        portal = self.portal
        self.site = site.rstrip("/") if site else None
        self.origin = home_origin(portal)
        self.allowed_domains = [urlsplit(self.site).hostname] if self.site else list(
            portal.domains)
        self.window = backfill_window(since, until, datetime.now(portal.tz).date())
        self.sitemap_urls = [self.on_site(u) for u in portal.discovery.sitemaps]
        self.entry_urls, self.bad_entry_urls = entry_urls(start_urls)
        self.follow_patterns = [re.compile(p) for p in portal.discovery.follow]
        super().__init__(*args, **kwargs)

    # -- addresses --------------------------------------------------------------------------

    def on_site(self, url: str) -> str:
        """The URL as served by `site` (a mirror of the portal), or as it is."""
        if not self.site or not self.portal.owns(url):
            return url
        parts = urlsplit(url)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.site + rest

    def off_site(self, url: str) -> str:
        """The portal's own URL for a URL of the mirror (the inverse of `on_site`)."""
        if self.site and url.startswith(self.site + "/"):
            return self.origin + url[len(self.site):]
        return url

    def is_own(self, url: str) -> bool:
        return self.portal.owns(url) or bool(self.site and url.startswith(self.site + "/"))

    def is_article(self, url: str) -> bool:
        return self.is_own(url) and self.portal.is_article_url(self.off_site(url))

    # -- where to start ---------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.bad_entry_urls:
            logger.error("usage: -a start_urls takes comma-separated http(s) URLs; not URLs: %s",
                         ", ".join(repr(u) for u in self.bad_entry_urls))
            raise CloseSpider("usage_error")
        for request in self.first_requests():
            yield request

    def first_requests(self) -> list[Request]:
        """The entry URLs given, else the description's discovery pages (for a backfill: its
        sitemaps and index-by-date pages only)."""
        if self.entry_urls:
            return [self.discovery_request(url, self.parse_any) for url in self.entry_urls]
        discovery = self.portal.discovery
        requests = [self.discovery_request(url, self.parse_sitemap) for url in self.sitemap_urls]
        requests += [self.discovery_request(self.on_site(url), self.parse_listing)
                     for url in self.index_pages()]
        if self.window is None:  # feeds and front pages only show what is new
            requests += [self.discovery_request(self.on_site(url), self.parse_feed)
                         for url in discovery.feeds]
            requests += [self.discovery_request(self.on_site(url), self.parse_listing)
                         for url in discovery.start_urls]
        elif not requests:
            logger.warning("%s: no sitemap and no index_by_date in its description: nothing "
                           "to backfill %s..%s from", self.name, self.window.since,
                           self.window.until)
        return requests

    def index_pages(self) -> list[str]:
        """Index-by-date pages: the window's days, else today's and yesterday's."""
        template = self.portal.discovery.index_by_date
        if not template:
            return []
        if self.window is not None:
            days = self.window.days()
        else:
            today = datetime.now(self.portal.tz).date()
            days = [today, today - timedelta(days=1)]
        return [index_page_url(template, day) for day in days]

    # -- requests ---------------------------------------------------------------------------

    def discovery_request(self, url: str, callback: Callable[..., Any]) -> Request:
        """A sitemap, feed or listing page: fetched every run (only articles are skipped)."""
        return Request(clean_url(url), callback=callback, errback=self.on_error)

    def article_request(self, url: str, lastmod: str | None = None) -> Request:
        """A request for an article by its canonical URL (the whole-article variant where the
        portal has one). `article_url` in meta is the canonical URL on the portal itself."""
        canonical = request_key(self.off_site(url), self.portal)
        fetch = self.on_site(canonical)
        single = self.portal.multipage.single_page_url(fetch)
        return Request(single or fetch, callback=self.parse_article,
                       errback=self.fall_back_to_first_page if single else self.on_error,
                       meta={"article_url": canonical, "lastmod": lastmod})

    def on_error(self, failure: Failure) -> None:
        count_failure(self, failure)

    def fall_back_to_first_page(self, failure: Failure) -> Request | None:
        if failure_reason(failure) is None:
            return None
        url = failure.request.meta["article_url"]
        logger.info("whole-article page failed for %s; fetching the page itself", url)
        return Request(self.on_site(url), callback=self.parse_article, errback=self.on_error,
                       meta={"article_url": url, "lastmod": failure.request.meta.get("lastmod")},
                       dont_filter=True)

    # -- discovery --------------------------------------------------------------------------

    def count(self, reason: str) -> None:
        self.crawler.stats.inc_value(f"newscrawler/dropped/{reason}")

    def count_error(self, reason: str, response: Response) -> None:
        self.crawler.stats.inc_value(f"newscrawler/errors/{reason}")
        logger.warning("%s: %s", reason, response.url)

    def stream(self, requests: Iterator[Request]) -> Iterator[Request]:
        """The first INLINE_REQUESTS requests, yielded; the rest handed to the feeder unread."""
        yield from islice(requests, self.INLINE_REQUESTS)
        following = next(requests, None)
        if following is not None:
            self.feeder.add(chain([following], requests))

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Sitemap indexes, sitemaps and Google News sitemaps; lastmod bounds a backfill."""
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield self.discovery_request(url, self.parse_sitemap)
            return
        yield from self.stream(self.sitemap_requests(response))

    def sitemap_requests(self, response: Response) -> Iterator[Request]:
        """Requests for the sitemap's entries, read one by one; entries without a usable <loc>
        are counted (`dropped/bad_sitemap_entry`), a document that is no sitemap too."""
        max_size = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or 1 << 30
        try:
            for entry in sitemap_entries(response.body, max_size):
                loc = join_url(response.url, entry.loc) if entry.loc else None
                if loc is None:
                    self.count("bad_sitemap_entry")
                    continue
                day = read_stamp(entry.lastmod, self.portal.tz)
                if entry.index:
                    if self.window is None or self.window.may_hold(day):
                        yield self.discovery_request(loc, self.parse_sitemap)
                elif (self.window is None or self.window.holds(day)) and self.is_article(loc):
                    yield self.article_request(loc, lastmod=entry.lastmod)
        except SitemapError as exc:
            self.count_error(exc.reason, response)
            logger.info("%s: %s", response.url, exc)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Article links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
        if not is_feed(response.body):
            self.count_error("bad_feed", response)
            return
        yield from self.stream(self.article_requests(feed_links(response.body, response.url)))

    def article_requests(self, urls: Iterable[str]) -> Iterator[Request]:
        return (self.article_request(url) for url in urls if self.is_article(url))

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Article links of a listing page; listing links the description says to follow."""
        yield from self.stream(self.listing_requests(response))

    def listing_requests(self, response: Response) -> Iterator[Request]:
        for url in page_links(response.body, response.url):
            if not self.is_own(url):
                continue
            if self.is_article(url):
                yield self.article_request(url)
            elif any(p.search(url) for p in self.follow_patterns):
                yield self.discovery_request(url, self.parse_listing)

    def parse_any(self, response: Response) -> Iterable[Request]:
        """An entry URL given on the command line: sitemap, feed or listing, by its content."""
        head = response.body[:500].lstrip().lower()
        if b"<urlset" in head or b"<sitemapindex" in head or head.startswith(b"\x1f\x8b"):
            return self.parse_sitemap(response)
        if is_feed(response.body):
            return self.parse_feed(response)
        return self.parse_listing(response)

    # -- articles ---------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterable[Fetched | Request]:
        """An article's first page; its later pages are fetched before it is handed on."""
        fetched = Fetched(request_url=response.meta.get("article_url", response.url),
                          portal=self.portal.id, pages=[raw_page(response)])
        yield from self.next_page_or_article(fetched)

    def next_page_or_article(self, fetched: Fetched) -> Iterator[Fetched | Request]:
        """Follow the portal's "next page" link while there is one; then the whole article.

        A "next" link back to a page already read (the last page linking to the first) ends
        the article: left to Scrapy's duplicate filter, the request would vanish, and the
        article with it. So pages are de-duplicated here, and the filter is told to let go.
        """
        last = fetched.pages[-1]
        follow = next_page_url(last.body, last.url, self.portal.multipage.next_page)
        seen = {page.url for page in fetched.pages}
        if follow and follow not in seen and len(fetched.pages) < self.portal.multipage.max_pages:
            yield Request(follow, callback=self.parse_next_page, errback=self.keep_pages_so_far,
                          dont_filter=True, meta={"fetched": fetched})
        else:
            yield fetched

    def keep_pages_so_far(self, failure: Failure) -> Fetched:
        """A later page failed: the article keeps the pages read before it."""
        count_failure(self, failure)
        return failure.request.meta["fetched"]

    def parse_next_page(self, response: Response) -> Iterator[Fetched | Request]:
        fetched: Fetched = response.meta["fetched"]
        fetched.pages.append(raw_page(response))
        yield from self.next_page_or_article(fetched)
