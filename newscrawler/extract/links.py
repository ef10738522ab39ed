"""The links a listing page or a feed offers, made absolute: what discovery chooses articles from.

Pure like `extract`: the spider's listing and feed callbacks and `newscrawler eval` (which checks
a portal's article-URL rules against hand-read listing pages) see the same links.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

from lxml import etree

from newscrawler.extract.document import ExtractError, css_xpath, parse

_HREF = re.compile(rb"""href\s*=\s*["']([^"'#]+)""", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_FEED_START = re.compile(rb"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_FEED_LINKS = etree.XPath(  # RSS 2.0, RSS 1.0 (RDF: namespaced items) and Atom
    "//*[local-name()='item']/*[local-name()='link' or local-name()='guid']/text()"
    " | //*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
)


def is_feed(body: bytes) -> bool:
    """An RSS or Atom document (whatever the file is called)."""
    return bool(_FEED_START.match(body[:2000]))


def feed_links(body: bytes, base_url: str) -> list[str]:
    """Item links of an RSS 2.0 / Atom feed, in feed order; RSS <guid>s that are URLs too (a
    feed served through a redirecting proxy keeps the real address there)."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body.lstrip(), parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    found = (str(v).strip() for v in _FEED_LINKS(root))
    return list(dict.fromkeys(urljoin(base_url, v) for v in found if v.startswith(("http", "/"))))


def page_links(body: bytes, base_url: str) -> list[str]:
    """Every href of an HTML page outside comments, absolute, in first-appearance order (a
    regex, not a parse: listing pages are big and only their links matter)."""
    visible = _COMMENT.sub(b"", body)
    hrefs = (html.unescape(m.decode("utf-8", "replace")).strip() for m in _HREF.findall(visible))
    return list(dict.fromkeys(urljoin(base_url, h) for h in hrefs if h))


def listing_links(body: bytes, base_url: str) -> list[str]:
    return feed_links(body, base_url) if is_feed(body) else page_links(body, base_url)


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
    return urljoin(base_url, href) if href else None
