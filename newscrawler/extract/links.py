"""The links a listing page or a feed offers, made absolute: what discovery chooses articles from.

Pure like `extract`: the spider's listing and feed callbacks and `newscrawler eval` (which checks
a portal's article-URL rules against hand-read listing pages) see the same links. Links are
yielded one at a time, so a page with 100k links feeds the crawl as it is read; a link that
cannot be read (a bracketed placeholder host, a lone surrogate `&#xD800;`) costs that link only.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from newscrawler.addresses import join_url
from newscrawler.extract.document import ExtractError, css_xpath, parse

logger = logging.getLogger(__name__)

_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_FEED_START = re.compile(rb"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_FEED_LINKS = etree.XPath(  # RSS 2.0, RSS 1.0 (RDF: namespaced items) and Atom, in feed order
    "//*[local-name()='item']/*[local-name()='link' or local-name()='guid']"
    " | //*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']"
)


def is_feed(body: bytes) -> bool:
    """An RSS or Atom document (whatever the file is called)."""
    return bool(_FEED_START.match(body[:2000]))


def _unique_absolute(links: Iterable[str], base_url: str) -> Iterator[str]:
    """Each link once, absolute; links that are not parsable URLs are logged and left out."""
    seen: set[str] = set()
    for link in links:
        url = join_url(base_url, link)
        if url is None:
            logger.debug("unreadable link %r on %s", link[:200], base_url)
        elif url not in seen:
            seen.add(url)
            yield url


def _feed_values(root: etree._Element) -> Iterator[str]:
    """The text of RSS <link>/<guid>, the href of Atom <link>, element by element."""
    for element in _FEED_LINKS(root):
        try:
            value = element.get("href") if element.get("href") is not None else element.text
        except UnicodeDecodeError:  # a character reference to a lone surrogate
            logger.debug("feed link with an invalid character left out")
            continue
        value = (value or "").strip()
        if value.startswith(("http", "/")):
            yield value


def feed_links(body: bytes, base_url: str) -> Iterator[str]:
    """Item links of an RSS 2.0 / Atom feed, in feed order; RSS <guid>s that are URLs too (a
    feed served through a redirecting proxy keeps the real address there)."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                             huge_tree=True)
    try:
        root = etree.fromstring(body.lstrip(), parser)
    except etree.XMLSyntaxError:
        return iter(())
    if root is None:
        return iter(())
    return _unique_absolute(_feed_values(root), base_url)


def page_links(body: bytes, base_url: str) -> Iterator[str]:
    """Every href of an HTML page outside comments, absolute, in first-appearance order (a
    regex, not a parse: listing pages are big and only their links matter)."""
    visible = _COMMENT.sub(b"", body)
    hrefs = (html.unescape(m.group(1).decode("utf-8", "replace")).strip()
             for m in _HREF.finditer(visible))
    return _unique_absolute((h for h in hrefs if h), base_url)


def listing_links(body: bytes, base_url: str) -> list[str]:
    return list(feed_links(body, base_url) if is_feed(body) else page_links(body, base_url))


def next_page_url(body: bytes, base_url: str, selector: str | None) -> str | None:
    """The "next page" link of a paginated article (the portal's selector), absolute; None
    on the last page, without a selector, or on a page that is not HTML."""
    if not selector:
        return None
    try:
        found = css_xpath((selector,))(parse(body))
    except ExtractError:
        return None
    href = str(found[0]).strip() if found else ""
    return join_url(base_url, href) if href else None
