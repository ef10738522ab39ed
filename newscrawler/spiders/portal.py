"""The one spider class: it reads a portal description and crawls that portal.

Discovery follows the description: sitemaps (through Scrapy's own SitemapSpider machinery),
RSS/Atom feeds and listing pages. Each article page is read by `newscrawler.extract.read_page`;
the pipelines then clean, date, validate, dedupe and store it.

Spider arguments (`scrapy crawl kompas -a name=value`):
  site        serve the portal from another origin, e.g. a local mirror
              (`-a site=http://127.0.0.1:8000/kompas.com`): description URLs are rewritten to it
  start_urls  comma-separated URLs to start from instead of the description's (listing pages,
              sitemaps or feeds: each response is recognised by its content)
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
from scrapy import Request
from scrapy.http import Response
from scrapy.spiders import SitemapSpider

from newscrawler.extract import ExtractError, read_page
from newscrawler.items import Article, RawPage
from newscrawler.portals import Portal

logger = logging.getLogger(__name__)

KEPT_HEADERS = ("Content-Type", "Date", "Last-Modified", "ETag", "Content-Language")
_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.I)


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


class PortalSpider(SitemapSpider):
    """Crawls one described portal. Subclassed per portal by the spider loader (name, portal)."""

    portal: Portal

    def __init__(self, *args: Any, site: str | None = None, start_urls: str | None = None,
                 **kwargs: Any):
        portal = self.portal
        self.site = site.rstrip("/") if site else None
        self.allowed_domains = [urlsplit(self.site).hostname] if self.site else list(
            portal.domains)
        self.sitemap_urls = [self.on_site(u) for u in portal.discovery.sitemaps]
        self.sitemap_rules = [("", "parse_article")]
        self.entry_urls = [u.strip() for u in start_urls.split(",")] if start_urls else []
        self.follow_patterns = [re.compile(p) for p in portal.discovery.follow]
        super().__init__(*args, **kwargs)

    # -- where to start ---------------------------------------------------------------------

    def on_site(self, url: str) -> str:
        """The URL as served by `site` (a mirror of the portal), or as it is."""
        if not self.site or not self.portal.owns(url):
            return url
        parts = urlsplit(url)
        rest = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.site + rest

    async def start(self) -> AsyncIterator[Any]:
        if self.entry_urls:
            for url in self.entry_urls:
                yield Request(url, callback=self.parse_any)
            return
        discovery = self.portal.discovery
        for url in self.sitemap_urls:
            yield Request(url, callback=self._parse_sitemap)
        for url in discovery.feeds:
            yield Request(self.on_site(url), callback=self.parse_feed)
        for url in discovery.start_urls:
            yield Request(self.on_site(url), callback=self.parse_listing)

    # -- discovery --------------------------------------------------------------------------

    def is_own(self, url: str) -> bool:
        return self.portal.owns(url) or bool(self.site and url.startswith(self.site + "/"))

    def article_request(self, url: str) -> Request:
        """A request for an article page (the whole-article variant where the portal has one)."""
        single = self.portal.multipage.single_page_url(url)
        return Request(single or url, callback=self.parse_article,
                       errback=self.fall_back_to_first_page if single else None,
                       meta={"article_url": url})

    def fall_back_to_first_page(self, failure: Any) -> Request:
        url = failure.request.meta["article_url"]
        logger.info("whole-article page failed for %s; fetching the page itself", url)
        return Request(url, callback=self.parse_article, meta={"article_url": url},
                       dont_filter=True)

    def sitemap_filter(self, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """Sitemap entries that are articles of this portal (indexes pass through)."""
        for entry in entries:
            loc = entry.get("loc", "")
            if "sitemap" in loc or loc.endswith((".xml", ".xml.gz")) or (
                self.is_own(loc) and self.portal.is_article_url(loc)
            ):
                yield entry

    def _parse_sitemap(self, response: Response) -> Iterable[Request]:
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_article:
                yield self.article_request(request.url)
            else:
                yield request

    def parse_feed(self, response: Response) -> Iterable[Request]:
        """Article links of an RSS 2.0 or Atom feed."""
        try:
            root = lxml.etree.fromstring(response.body, lxml.etree.XMLParser(
                recover=True, resolve_entities=False, no_network=True))
        except lxml.etree.XMLSyntaxError:
            root = None
        if root is None:
            self.count("bad_feed")
            logger.warning("not a readable feed: %s", response.url)
            return
        links = root.xpath("//item/link/text() | //*[local-name()='entry']"
                           "/*[local-name()='link'][not(@rel) or @rel='alternate']/@href")
        for link in links:
            url = urljoin(response.url, link.strip())
            if self.is_own(url) and self.portal.is_article_url(url):
                yield self.article_request(url)

    def parse_listing(self, response: Response) -> Iterable[Request]:
        """Article links of a listing page; listing links the description says to follow."""
        for href in dict.fromkeys(m.decode("latin-1") for m in _HREF.findall(response.body)):
            url = urljoin(response.url, href.strip())
            if not self.is_own(url):
                continue
            if self.portal.is_article_url(url):
                yield self.article_request(url)
            elif any(p.search(url) for p in self.follow_patterns):
                yield Request(url, callback=self.parse_listing)

    def parse_any(self, response: Response) -> Iterable[Request]:
        """An entry URL given on the command line: sitemap, feed or listing, by its content."""
        head = response.body[:500].lstrip().lower()
        if b"<urlset" in head or b"<sitemapindex" in head:
            return self._parse_sitemap(response)
        if b"<rss" in head or b"<feed" in head:
            return self.parse_feed(response)
        return self.parse_listing(response)

    # -- articles ---------------------------------------------------------------------------

    def count(self, reason: str) -> None:
        self.crawler.stats.inc_value(f"newscrawler/dropped/{reason}")

    def parse_article(self, response: Response) -> Iterable[Article | Request]:
        url = response.meta.get("article_url", response.url)
        try:
            article = read_page(response.body, url, portal=self.portal,
                                content_type=response.headers.get("Content-Type", b"").decode(
                                    "latin-1") or None)
        except ExtractError as exc:
            self.count("not_html")
            logger.warning("dropped %s: %s", response.url, exc)
            return
        article.page = raw_page(response)
        yield from self.next_page_or_article(response, article, 1)

    def next_page_or_article(self, response: Response, article: Article, page_no: int):
        """Follow the portal's "next page" link while there is one; then the whole article."""
        selector = self.portal.multipage.next_page
        next_url = response.css(selector).get() if selector and hasattr(response, "css") else None
        if next_url and page_no < self.portal.multipage.max_pages:
            yield Request(urljoin(response.url, next_url), callback=self.parse_next_page,
                          meta={"article": article, "page_no": page_no + 1})
        else:
            yield article

    def parse_next_page(self, response: Response) -> Iterable[Article | Request]:
        article: Article = response.meta["article"]
        try:
            following = read_page(response.body, response.url, portal=self.portal)
        except ExtractError as exc:
            logger.warning("page %s of %s unreadable (%s): keeping the pages before it",
                           response.meta["page_no"], article.url, exc)
            yield article
            return
        article.paragraphs.extend(following.paragraphs)
        yield from self.next_page_or_article(response, article, response.meta["page_no"])
