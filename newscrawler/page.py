"""The one path from fetched pages to an article: crawl, extract, reextract, eval and ingest.

    process_page(pages, request_url, portal)
      read      portal selectors -> metadata (JSON-LD, OG) -> generic fallback, page by page
      clean     boilerplate text rules, the closing credit
      dates     the printed dates, "now" being the response's Date header
      judge     Drop(reason) for what is not an article (feeds, listing pages, empty bodies)
      key       archive_key: the request URL, or the page's canonical link where it is trusted

One page gives one answer on every path, so one fix serves every path. Pure: no network, no
database; the raw pages travel with the article so the archive can keep them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from newscrawler.boilerplate import clean_paragraphs, drop_closing_byline, rules_for, split_credit
from newscrawler.dates import parse_http_date
from newscrawler.errors import NewscrawlerError
from newscrawler.extract.dating import resolve_dates
from newscrawler.extract.links import is_feed, page_links
from newscrawler.extract.reader import read_page
from newscrawler.items import Article, RawPage
from newscrawler.portals import Portal, portal_for_url
from newscrawler.urls import canonical_url, clean_url

__all__ = ["Drop", "archive_key", "extract", "process_page", "request_key", "trusted_canonical"]

logger = logging.getLogger(__name__)

MIN_BODY_WORDS = 25
# A page linking this many articles of its own site, with no date of its own, is a listing.
LISTING_MIN_LINKS = 12
# Stands for a site no description covers: only the generic article-URL pattern.
GENERIC_PORTAL = Portal(id="", name="", domains=())
# Host prefixes of one site's copies of a page (mobile, AMP): a canonical on the bare host or
# another of these prefixes names the same site.
COPY_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")


@dataclass(frozen=True)
class Drop:
    """A page that is not kept as an article, and why (`reason` is what the stats count)."""

    reason: str
    url: str
    detail: str = ""
    article: Article | None = None  # what was read, for `extract --keep` and `eval`

    def __str__(self) -> str:
        return f"{self.reason}: {self.url}" + (f" ({self.detail})" if self.detail else "")


# -- the archive key ---------------------------------------------------------------------------


def _site(host: str) -> str:
    for prefix in COPY_HOST_PREFIXES:
        if host.startswith(prefix):
            return host[len(prefix):]
    return host


def trusted_canonical(claimed: str | None, portal: Portal | None, fetched_url: str
                      ) -> str | None:
    """The page's canonical link, if it may name the article's key; else None.

    A page names its own address, so the claim is only believed for an http(s) URL on the
    portal's own domains, or, for a page of no described portal, on the host it was fetched
    from (or its www./m./amp. copy). Anything else (another site's article, a `javascript:`
    URL, a syndicated copy naming its original) would let one page overwrite another's row.
    """
    if not claimed:
        return None
    try:
        parts = urlsplit(claimed)
        host = (parts.hostname or "").lower()
        fetched_host = (urlsplit(fetched_url).hostname or "").lower()
    except ValueError:  # a bracketed host that is no IPv6 address
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    if portal is not None:
        return claimed if portal.owns(claimed) else None
    return claimed if _site(host) == _site(fetched_host) else None


def archive_key(request_url: str, claimed: str | None = None, portal: Portal | None = None,
                fetched_url: str | None = None) -> str:
    """The article's one key in the archive, computed here and nowhere else.

    The trusted canonical link when the page has one, else the URL the article was asked for;
    either made canonical by the portal's rules (`newscrawler.urls`). The request's own key
    stays the article's `url`, so the incremental lookup finds the article by either.
    """
    trusted = trusted_canonical(claimed, portal, fetched_url or request_url)
    return request_key(trusted or request_url, portal)


def request_key(url: str, portal: Portal | None = None) -> str:
    """The key an article URL is asked for and looked up by, before its page is read."""
    portal = portal if portal is not None else portal_for_url(url)
    return canonical_url(url, portal) if portal is not None else clean_url(url)


# -- the stages --------------------------------------------------------------------------------


def page_now(page: RawPage) -> datetime | None:
    """The moment a page was served ("now" for "2 jam yang lalu"): its Date header, else when
    it was fetched."""
    moment = parse_http_date(page.headers.get("Date"))
    if moment is None and page.fetched_at:
        try:
            moment = datetime.fromisoformat(page.fetched_at.replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment


def read_pages(pages: Sequence[RawPage], url: str, portal: Portal | None) -> Article:
    """Every field from the first page; the body's paragraphs from every page, in order. A
    later page that cannot be read ends the article there (the pages before it are kept)."""
    first = pages[0]
    article = read_page(first.body, url, portal=portal,
                        content_type=first.headers.get("Content-Type"))
    for number, page in enumerate(pages[1:], start=2):
        try:
            following = read_page(page.body, page.url, portal=portal,
                                  content_type=page.headers.get("Content-Type"))
        except NewscrawlerError as exc:
            logger.warning("page %d of %s unreadable (%s): keeping the pages before it",
                           number, url, exc)
            break
        article.paragraphs.extend(following.paragraphs)
    return article


def clean_article(article: Article, portal: Portal | None = None) -> Article:
    """Apply the boilerplate text rules to the paragraphs read from the page; set body, credit.

    A credit the portal's selectors read off the page (a credits table) wins over one found at
    the end of the body; a closing credit line leaves the body either way.
    """
    rules = rules_for(portal)
    paragraphs = clean_paragraphs(article.paragraphs, rules)
    paragraphs, credit = split_credit(paragraphs, rules)
    paragraphs = drop_closing_byline(paragraphs, rules)
    article.body = "\n\n".join(paragraphs) or None
    article.credit = article.credit or credit
    return article


def finish(article: Article) -> Article:
    """Fields derived from the others: word count and content hash."""
    article.word_count = len(article.body.split()) if article.body else 0
    digest = hashlib.sha256(f"{article.title or ''}\n{article.body or ''}".encode())
    article.content_hash = digest.hexdigest()[:32]
    return article


def why_not_article(article: Article, page: RawPage, portal: Portal | None) -> str | None:
    """The reason this is not an article worth keeping, or None."""
    if not article.title:
        return "no_title"
    if not article.body:
        return "no_body"
    if article.published is None and is_listing(page, portal):
        return "not_article"
    if article.word_count < MIN_BODY_WORDS:
        return "body_too_short"
    return None


def is_listing(page: RawPage, portal: Portal | None) -> bool:
    """A page that links many articles of its own site: an index, a section front, a tag page.
    (Only asked of undated pages: an article's related links are not a listing.)"""
    host = _site((urlsplit(page.url).hostname or "").lower())
    count = 0
    for link in page_links(page.body, page.url):
        try:
            same_site = _site((urlsplit(link).hostname or "").lower()) == host
        except ValueError:
            continue
        if same_site and looks_like_article(link, portal):
            count += 1
            if count >= LISTING_MIN_LINKS:
                return True
    return False


def looks_like_article(url: str, portal: Portal | None) -> bool:
    """An article URL by the portal's patterns (the generic pattern for other sites)."""
    return (portal or GENERIC_PORTAL).is_article_url(url)


def process_page(pages: Sequence[RawPage], *, request_url: str | None = None,
                 portal: Portal | None = None, now: datetime | None = None) -> Article | Drop:
    """The article on a fetched page (every page of a multi-page article, in order), or a Drop.

    `request_url` is the URL the article was asked for (the portal's own URL when a mirror
    served it); `portal` defaults to the one owning that URL; `now` (for relative dates)
    defaults to the first page's Date header, then to when it was fetched.
    """
    if not pages:
        raise ValueError("process_page needs at least one page")
    first = pages[0]
    url = request_url or first.url
    portal = portal if portal is not None else portal_for_url(url)
    if is_feed(first.body):
        return Drop("not_article", url, "an RSS/Atom feed")
    try:
        article = read_pages(pages, url, portal)
    except NewscrawlerError as exc:
        return Drop(exc.reason, url, str(exc))
    clean_article(article, portal)
    resolve_dates(article, now=now or page_now(first), portal=portal)
    finish(article)
    article.crawled_at = first.fetched_at or None
    article.url = request_key(url, portal)
    article.canonical_url = archive_key(url, article.canonical_url, portal, first.url)
    article.pages = list(pages)
    reason = why_not_article(article, first, portal)
    if reason:
        return Drop(reason, url, article=article)
    return article


def extract(html: bytes | str, url: str, *, portal: Portal | None = None,
            now: datetime | None = None, content_type: str | None = None,
            fetched_at: str | None = None) -> Article | Drop:
    """A saved page (bytes as served, or text) read as if fetched from `url`: `process_page`
    for one page without a network response."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    headers = {"Content-Type": content_type} if content_type else {}
    page = RawPage(url=url, status=200, fetched_at=fetched_at or "", body=body, headers=headers)
    return process_page([page], request_url=url, portal=portal, now=now)
