"""read_page: every field of an article read off one parsed page, in a fixed order of trust.

For each field: the portal's selector sets (newest markup first), then the page's structured
metadata (JSON-LD, OpenGraph, article:* meta), then generic rules. The body is read from one
container: the portal's, else a well-known one, else the generic scorer's pick; boilerplate
elements are cut from it before its lines are read. Dates stay text here: the dates stage
reads them, with the response's own clock as "now".
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

import lxml.html
from parsel import Selector

from newscrawler.boilerplate import Rules, rules_for
from newscrawler.extract import generic
from newscrawler.extract.document import css_xpath, element_text, lines, normalize_space, parse
from newscrawler.extract.metadata import (
    AUTHOR_META,
    DESCRIPTION_META,
    PUBLISHED_META,
    MODIFIED_META,
    SECTION_META,
    Metadata,
    keywords,
    names,
    read_metadata,
    text_value,
)
from newscrawler.items import Article
from newscrawler.portals import Portal, SelectorSet

logger = logging.getLogger(__name__)

TITLE_SEPARATORS = re.compile(r"\s+[-|–—:»]+\s+")
DOMAIN_LIKE = re.compile(r"\b[\w-]+\.(com|id|co|net|tv|org|news)\b", re.I)
AUTHOR_PREFIX = re.compile(
    r"^(penulis|reporter|pewarta|oleh|by|editor|redaktur|kontributor)\s*[:\-]?\s*", re.I
)
URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")
GENERIC_TAGS = (
    'a[rel~="tag"]', ".tags a", ".tag a", ".post-tags a", ".tags-links a", ".tag-list a",
    ".article-tags a", '[itemprop="keywords"] a',
)
GENERIC_AUTHORS = ('[rel="author"]', '[itemprop="author"] [itemprop="name"]', ".author-name",
                   ".byline__author", ".author a", ".penulis")
GENERIC_DATES = ('[itemprop="datePublished"]', ".entry-date", ".published", ".post-date",
                 ".date", ".time", ".tanggal")


# -- selector helpers ---------------------------------------------------------------------------

def _texts(sel: Selector, css: str) -> list[str]:
    """Strings a selector gives: `::text`/`::attr()` values as they are, elements as their text."""
    found = sel.css(css)
    if "::" in css:
        return [normalize_space(v) for v in found.getall() if normalize_space(v)]
    return [t for t in (element_text(s.root) for s in found if hasattr(s.root, "tag")) if t]


def _first_text(sel: Selector, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        values = _texts(sel, css)
        if values:
            return " ".join(values) if "::text" in css else values[0]
    return None


def _all_texts(sel: Selector, selectors: tuple[str, ...]) -> list[str]:
    for css in selectors:
        values = _texts(sel, css)
        if values:
            return values
    return []


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            out.append(value)
    return out


# -- fields -------------------------------------------------------------------------------------

def strip_site_suffix(title: str, portal: Portal | None, site_name: str | None) -> str:
    """"Headline - Kompas.com" -> "Headline": the portal's own suffixes, else a trailing part
    naming the site (og:site_name or a domain)."""
    for suffix in portal.title_suffixes if portal else ():
        if title.endswith(suffix):
            return title[: -len(suffix)].strip()
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    last = parts[-1]
    names_of_site = [n.casefold() for n in (site_name, portal.name if portal else None) if n]
    if DOMAIN_LIKE.search(last) or any(n in last.casefold() for n in names_of_site):
        cut = title.rfind(last)
        return TITLE_SEPARATORS.sub("", title[:cut][::-1], count=1)[::-1].strip() or title
    return title


def _title(root: lxml.html.HtmlElement, meta: Metadata, portal: Portal | None) -> str | None:
    """The headline as the page's H1 shows it; metadata only when no H1 matches it."""
    site_name = meta.first(("og:site_name",))
    declared = [
        text_value(meta.jsonld.get("headline")),
        meta.first(("og:title", "twitter:title")),
        normalize_space(root.findtext(".//title")),
    ]
    declared = [strip_site_suffix(normalize_space(t), portal, site_name) for t in declared if t]
    h1s = [t for t in (element_text(h) for h in root.iter("h1")) if t]
    for h1 in h1s:
        key = h1.casefold()
        if any(d.casefold() == key or d.casefold().startswith(key) for d in declared if d):
            return h1
    if len(h1s) == 1 and not declared:
        return h1s[0]
    return declared[0] if declared else None


def _authors(sel: Selector, meta: Metadata, portal: Portal | None, fields: SelectorSet | None):
    raw = _all_texts(sel, fields.get("authors")) if fields else []
    if not raw:
        raw = names(meta.jsonld.get("author"))
    if not raw:
        raw = [v for name in AUTHOR_META for v in meta.all(name)]
    if not raw:
        raw = _all_texts(sel, GENERIC_AUTHORS)
    site = {n.casefold() for n in (portal.name if portal else None, meta.first(("og:site_name",)))
            if n}
    cleaned = []
    for value in raw:
        value = AUTHOR_PREFIX.sub("", normalize_space(value)).strip(" ,|-")
        if value and "://" not in value and value.casefold() not in site and len(value) < 80:
            cleaned.append(value)
    return _unique(cleaned)


def _tags(sel: Selector, meta: Metadata, fields: SelectorSet | None) -> list[str]:
    found = _all_texts(sel, fields.get("tags")) if fields else []
    found = found or _all_texts(sel, GENERIC_TAGS) or meta.all("article:tag")
    found = found or keywords(meta.jsonld.get("keywords"))
    return _unique([t.lstrip("#").strip() for t in found if len(t) < 80])


def _date_candidates(
    sel: Selector, root: lxml.html.HtmlElement, meta: Metadata, url: str,
    fields: SelectorSet | None,
) -> list[list[str]]:
    """Every date the page prints, as [field, source, text], in the order of trust."""
    found: list[list[str]] = []
    for field_name, key, meta_names in (
        ("published", "datePublished", PUBLISHED_META),
        ("modified", "dateModified", MODIFIED_META),
    ):
        value = text_value(meta.jsonld.get(key))
        if value:
            found.append([field_name, "jsonld", value])
        value = meta.first(meta_names)
        if value:
            found.append([field_name, "meta", value])
        text = _first_text(sel, fields.get(field_name)) if fields else None
        if text:
            found.append([field_name, "text", text])
    time_el = root.find(".//time[@datetime]")
    if time_el is not None:
        found.append(["published", "time", time_el.get("datetime")])
    generic_text = _first_text(sel, GENERIC_DATES)
    if generic_text and len(generic_text) < 100:
        found.append(["published", "text", generic_text])
    match = URL_DATE.search(urlsplit(url).path)
    if match:
        year, month, day = match.groups()
        found.append(["published", "url", f"{year}-{int(month):02d}-{int(day):02d}"])
    return found


def _images(container: lxml.html.HtmlElement | None, meta: Metadata, url: str) -> list[dict]:
    images: list[dict] = []
    for img in container.iter("img") if container is not None else ():
        src = img.get("data-src") or img.get("data-lazy-src") or img.get("src")
        if not src or src.startswith("data:"):
            continue
        figure = next((a for a in img.iterancestors("figure")), None)
        caption_el = figure.find(".//figcaption") if figure is not None else None
        caption = element_text(caption_el) if caption_el is not None else img.get("alt")
        images.append({"url": urljoin(url, src), "caption": normalize_space(caption) or None})
    og_image = meta.first(("og:image", "twitter:image"))
    if og_image and not any(i["url"] == urljoin(url, og_image) for i in images):
        images.insert(0, {"url": urljoin(url, og_image), "caption": None})
    return images


def _canonical(root: lxml.html.HtmlElement, meta: Metadata, url: str) -> str:
    link = root.find('.//link[@rel="canonical"]')
    candidate = link.get("href") if link is not None else meta.first(("og:url",))
    if not candidate:
        return url
    canonical = urljoin(url, candidate.strip()).split("#", 1)[0]
    # A canonical pointing at the home page is a template bug, not this article's address.
    if urlsplit(canonical).path in ("", "/") and urlsplit(url).path not in ("", "/"):
        return url
    return canonical


# -- body ---------------------------------------------------------------------------------------

def _cut_boilerplate(container: lxml.html.HtmlElement, rules: Rules, extra: tuple[str, ...]):
    """Remove boilerplate elements inside the container (their tail text stays)."""
    doomed = []
    xpath = css_xpath(rules.remove + extra)
    if xpath is not None:
        doomed.extend(el for el in xpath(container) if el is not container)
    for el in container.iterdescendants():
        if isinstance(el.tag, str) and rules.is_boilerplate_element(el.get("class"), el.get("id")):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def body_paragraphs(
    containers: list[lxml.html.HtmlElement], rules: Rules, remove: tuple[str, ...] = ()
) -> list[str]:
    """The body's lines, boilerplate elements and related headlines (link-only lines) left out."""
    paragraphs: list[str] = []
    for container in containers:
        _cut_boilerplate(container, rules, remove)
        for line in lines(container):
            is_link_line = (
                line.link_share >= rules.link_line_min_share
                and len(line.text.split()) >= rules.link_line_min_words
            )
            if not is_link_line:
                paragraphs.append(line.text)
    return paragraphs


def _portal_body(sel: Selector, sets: tuple[SelectorSet, ...]):
    """The first selector set whose title and body both match: (set, containers)."""
    for selector_set in sets:
        for css in selector_set.get("body"):
            containers = [s.root for s in sel.css(css) if hasattr(s.root, "tag")]
            if containers and (not selector_set.get("title") or _first_text(
                sel, selector_set.get("title")
            )):
                return selector_set, containers
    return None, []


def read_page(
    html: bytes | str, url: str, *, portal: Portal | None = None, content_type: str | None = None
) -> Article:
    """Every field of the article on the page, the body's paragraphs before the text rules and
    the dates as printed. Raises ExtractError when the input is not an HTML page."""
    root = parse(html, content_type)
    sel = Selector(root=root, type="html")
    meta = read_metadata(root)
    rules = rules_for(portal)
    fields, containers = _portal_body(sel, portal.selectors if portal else ())
    if portal and portal.selectors and fields is None:
        logger.warning("portal %s: no selector set matched %s; using the generic extractor "
                       "(has the portal changed its markup?)", portal.id, url)
    article = Article(url=url, portal=portal.id if portal else None)
    article.canonical_url = _canonical(root, meta, url)
    article.title = (_first_text(sel, fields.get("title")) if fields else None) or _title(
        root, meta, portal)
    article.description = (
        (_first_text(sel, fields.get("description")) if fields else None)
        or meta.first(DESCRIPTION_META) or text_value(meta.jsonld.get("description"))
    )
    article.authors = _authors(sel, meta, portal, fields)
    article.tags = _tags(sel, meta, fields)
    article.section = (
        (_first_text(sel, fields.get("section")) if fields else None)
        or text_value(meta.jsonld.get("articleSection")) or meta.first(SECTION_META)
    )
    article.language = (portal.language if portal else None) or (
        (root.get("lang") or "").split("-")[0].lower() or None)
    article.date_candidates = _date_candidates(sel, root, meta, url, fields)
    if not containers:
        found = generic.find_container(root, rules)
        containers = [found] if found is not None else []
        article.extraction = "generic"
    else:
        article.extraction = f"portal:{fields.version}"
    article.images = _images(containers[0] if containers else None, meta, url)
    article.paragraphs = body_paragraphs(containers, rules, fields.remove if fields else ())
    return article
