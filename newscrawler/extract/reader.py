"""read_page: every field of an article read off one parsed page, in a fixed order of trust.

For each field: the portal's selector sets (the first generation whose title and body match),
then the page's structured metadata (JSON-LD, OpenGraph, article:* meta), then, on pages no
description reads, layout hints (tag boxes, bylines, date lines: `hints`). A field a matched
selector set names is decided by it. The body is read from the portal's containers, else from
the generic finder's pick; boilerplate elements are cut from them before their lines are read,
and the lines above the headline (a container holding the page header) are left out. Dates
stay text here: the dates stage reads them, with the response's own clock as "now".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml import etree

from newscrawler.addresses import join_url
from newscrawler.boilerplate import Rules, rules_for
from newscrawler.extract import generic
from newscrawler.extract.document import (
    Element,
    Line,
    css_xpath,
    drop_tree,
    element_text,
    lines,
    normalize_space,
    parse,
    text_content,
)
from newscrawler.extract.hints import Hints, read_hints
from newscrawler.extract.metadata import (
    AUTHOR_META,
    DESCRIPTION_META,
    MODIFIED_META,
    PUBLISHED_META,
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
    r"^[:\s]*(?:(?:penulis|reporter|pewarta|oleh|by|wartawan|laporan wartawan)"
    r"\b\s*[:\-]?\s*)?", re.I)
# "Budi dan Agus S", "Budi, Agus", "Budi & Agus": several people in one byline.
AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bdan\b|\|)\s*", re.I)
# A part of a byline that names a role or a place, not a person: "Kontributor Lhokseumawe";
# or the editor, who is not the writer: "Editor: Ade Marboen".
AUTHOR_ROLE = re.compile(
    r"^(kontributor|koresponden|wartawan|jurnalis|tim|editor|redaktur|penyunting)\b", re.I)
# "Fino Yurio Kristo - detikinet": the desk after the name is not part of it.
AUTHOR_DESK = re.compile(r"\s+[-–|]\s+\S+$")
# An account name ("prwir", "admin"), not a person's: one lower-case word.
ACCOUNT_NAME = re.compile(r"^[a-z0-9_.]+$")
# A container's header: at most this many lines of at most this many words before the headline.
HEADER_LINES = 8
# Chars of a hidden element's text looked for elsewhere in the container (is it a copy?).
HIDDEN_PROBE = 80
HEADER_LINE_WORDS = 15
URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$)")

# -- selector helpers ---------------------------------------------------------------------------

def compiled_css(css: str) -> etree.XPath:
    """A parsel-style CSS selector (`::text`, `::attr(name)` allowed), compiled once."""
    return css_xpath((css,))


def _texts(root: Element, css: str) -> list[str]:
    """Strings a selector gives: `::text`/`::attr()` values as they are, elements as their text."""
    found = compiled_css(css)(root)
    if "::" in css:
        return [v for v in (normalize_space(str(f)) for f in found) if v]
    elements = (f for f in found if isinstance(f, Element))
    return [t for t in map(element_text, elements) if t]


def _first_text(root: Element, selectors: tuple[str, ...]) -> str | None:
    """The first match of the first selector that matches: an element's text, or the text
    nodes of the first element that has any (`::text`)."""
    for css in selectors:
        if css.endswith("::text"):
            found = [f for f in compiled_css(css)(root) if normalize_space(str(f))]
            if found:
                owner = found[0].getparent()
                return normalize_space(" ".join(str(f) for f in found if f.getparent() is owner))
            continue
        values = _texts(root, css)
        if values:
            return values[0]
    return None


def _all_texts(root: Element, selectors: tuple[str, ...]) -> list[str]:
    for css in selectors:
        values = _texts(root, css)
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


def _title(root: Element, meta: Metadata, portal: Portal | None) -> str | None:
    """The headline as the page's H1 shows it; metadata only when no H1 matches it. An H1 that
    is most of a declared title ("KapanLagi.com: <H1>", "<H1> - Kompas.com") is the headline."""
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
        if any(key in d.casefold() and 2 * len(key) >= len(d) for d in declared if d):
            return h1
    if len(h1s) == 1 and not declared:
        return h1s[0]
    return declared[0] if declared else None


def _authors(
    root: Element, meta: Metadata, hints: Hints | None, portal: Portal | None,
    fields: SelectorSet | None,
) -> list[str]:
    """The byline's people. Where the portal's selectors name the byline, they decide (no byline
    there: no author, whatever the metadata says of the publisher)."""
    site = {n.casefold() for n in (portal.name if portal else None, meta.first(("og:site_name",)))
            if n}
    if fields and fields.get("authors"):
        # The first selector naming a person wins ("Oleh Liputan6.com" byline, then the
        # closing "Reporter: ..." line).
        found = (_people(_texts(root, css), site) for css in fields.get("authors"))
        return next((people for people in found if people), [])
    raw = names(meta.jsonld.get("author")) or [
        v for name in AUTHOR_META for v in meta.all(name)] or (hints.authors if hints else [])
    return _people(raw, site)


def _people(bylines: list[str], site_names: set[str]) -> list[str]:
    """The people named in bylines: prefixes ("Pewarta:"), desks ("- detikinet"), roles,
    accounts and the site itself left out; "A dan B" is two people."""
    cleaned = []
    for value in bylines:
        value = AUTHOR_DESK.sub("", AUTHOR_PREFIX.sub("", normalize_space(value)))
        for part in AUTHOR_SPLIT.split(value):
            part = part.strip(" ,|-:")
            if _is_person(part, site_names):
                cleaned.append(part)
    return _unique(cleaned)


def _is_person(name: str, site_names: set[str]) -> bool:
    """A byline part that names a person: not the site, a role, an account or a URL."""
    return bool(name) and len(name) < 60 and "://" not in name and "@" not in name and (
        name.casefold() not in site_names) and not AUTHOR_ROLE.match(name) and (
        not ACCOUNT_NAME.match(name)) and not DOMAIN_LIKE.search(name)


def _tags(root: Element, meta: Metadata, hints: Hints | None, fields: SelectorSet | None
          ) -> list[str]:
    """The article's tag links: the portal's selectors where they name them, else the page's
    tag box (generic pages), else the metadata's article:tag and keywords."""
    if fields and fields.get("tags"):
        found = _all_texts(root, fields.get("tags"))
    else:
        found = (hints.tags if hints else []) or meta.all("article:tag") or keywords(
            meta.jsonld.get("keywords"))
    return _unique([t.lstrip("#").strip() for t in found if len(t) < 80])


def article_zone(root: Element, title: str | None, containers: list[Element], rules: Rules
                 ) -> Callable[[Element], int | None]:
    """Whether an element stands where an article's date line does: in the smallest element
    holding both the headline (its H1, or the H2 where the H1 is the section) and the body,
    before the body's first paragraph (after the headline too, when that element is the whole
    page), and not in a box named like boilerplate. 0 there, None elsewhere: a date in the
    header ("today"), a sidebar or a latest-news list must not date the article; without a
    headline and a body to locate it, nothing does."""
    headline = next((h for tag in ("h1", "h2") for h in root.iter(tag)
                     if title and element_text(h) == title), None)
    first_paragraph = next((p for c in containers for p in c.iter("p") if element_text(p)),
                           containers[0] if containers else None)  # old markup: text and <br>
    if headline is None or first_paragraph is None:
        return lambda el: None
    above_headline = set(headline.iterancestors())
    zone = next((a for a in first_paragraph.iterancestors() if a in above_headline), None)
    if zone is None:
        return lambda el: None
    before: set[Element] = set()
    counting = zone.tag not in ("body", "html")
    for el in zone.iter():
        if el is first_paragraph:
            break
        if counting:
            before.add(el)
        counting = counting or el is headline

    def place(el: Element) -> int | None:
        if el not in before:
            return None
        for ancestor in el.iterancestors():
            if ancestor is zone:
                return 0
            if rules.is_boilerplate_element(ancestor.get("class"), ancestor.get("id")):
                return None
        return None

    return place


def _date_candidates(
    root: Element, meta: Metadata, hints: Hints | None, url: str,
    fields: SelectorSet | None, place: Callable[[Element], int | None],
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
        text = _first_text(root, fields.get(field_name)) if fields else None
        if text:
            found.append([field_name, "text", text])
    time_datetime = hints.time_datetime(place) if hints else None
    if time_datetime:
        found.append(["published", "time", time_datetime])
    date_line = hints.date_line(place) if hints else None
    if date_line:
        found.append(["published", "text", date_line])
    match = URL_DATE.search(_path(url))
    if match:
        year, month, day = match.groups()
        found.append(["published", "url", f"{year}-{int(month):02d}-{int(day):02d}"])
    return found


def _images(container: Element | None, meta: Metadata, url: str) -> list[dict]:
    images: list[dict] = []
    for img in container.iter("img") if container is not None else ():
        src = img.get("data-src") or img.get("data-lazy-src") or img.get("src")
        if not src or src.startswith("data:"):
            continue
        figure = next((a for a in img.iterancestors("figure")), None)
        caption_el = figure.find(".//figcaption") if figure is not None else None
        caption = element_text(caption_el) if caption_el is not None else img.get("alt")
        src_url = join_url(url, src)
        if src_url:
            images.append({"url": src_url, "caption": normalize_space(caption) or None})
    og_image = meta.first(("og:image", "twitter:image"))
    og_url = join_url(url, og_image) if og_image else None
    if og_url and not any(i["url"] == og_url for i in images):
        images.insert(0, {"url": og_url, "caption": None})
    return images


def _canonical(root: Element, meta: Metadata, url: str) -> str:
    link = root.find('.//link[@rel="canonical"]')
    candidate = link.get("href") if link is not None else meta.first(("og:url",))
    if not candidate:
        return url
    canonical = join_url(url, candidate.strip())
    if canonical is None:  # "http://[x": a template placeholder, not an address
        return url
    canonical = canonical.split("#", 1)[0]
    # A canonical pointing at the home page is a template bug, not this article's address.
    if _path(canonical) in ("", "/") and _path(url) not in ("", "/"):
        return url
    return canonical


def _path(url: str) -> str:
    """The URL's path; "" for a URL that does not parse."""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


# -- body ---------------------------------------------------------------------------------------

def _cut_boilerplate(container: Element, rules: Rules, extra: tuple[str, ...]):
    """Remove boilerplate elements inside the container (their tail text stays).

    An element only named like boilerplate (`content-with-sidebar`) but holding most of the
    container's text is a wrapper of the article, not a box in it: it stays. So does a hidden
    element holding prose of its own: the later pages of an article shown one at a time.
    """
    doomed = []
    xpath = css_xpath(rules.remove + extra)
    if xpath is not None:
        doomed.extend(el for el in xpath(container) if el is not container)
    hidden = css_xpath(rules.hidden)
    if hidden is not None:
        everything = text_content(container)
        for el in hidden(container):
            text = text_content(el).strip()
            # A hidden copy of text shown elsewhere (print and mobile duplicates) goes too.
            if el is not container and (len(text) < rules.hidden_prose_chars
                                        or everything.count(text[:HIDDEN_PROBE]) > 1):
                doomed.append(el)
    named = [el for el in container.iterdescendants() if isinstance(el.tag, str)
             and rules.is_boilerplate_element(el.get("class"), el.get("id"))]
    if named:
        half = len(text_content(container)) / 2
        doomed.extend(el for el in named if len(text_content(el)) < half)
    for el in doomed:
        if el.getparent() is not None:
            drop_tree(el)


def body_paragraphs(
    containers: list[Element], rules: Rules, remove: tuple[str, ...] = ()
) -> list[str]:
    """The body's lines, boilerplate elements and related headlines (link-only lines) left out.

    Headings that close the body (a last section holding only a picture or a video under its
    title) head nothing the reader gets: they go too.
    """
    kept: list[Line] = []
    for container in containers:
        _cut_boilerplate(container, rules, remove)
        for line in lines(container):
            is_link_line = (
                line.link_share >= rules.link_line_min_share
                and len(line.text.split()) >= rules.link_line_min_words
            )
            if not is_link_line and not rules.is_dropped(line.text):
                kept.append(line)
    while kept and kept[-1].heading:
        kept.pop()
    return [line.text for line in kept]


def _portal_body(root: Element, sets: tuple[SelectorSet, ...]):
    """The first selector set whose title and body both match: (set, containers)."""
    for selector_set in sets:
        for css in selector_set.get("body"):
            containers = [e for e in compiled_css(css)(root)
                          if isinstance(e, Element)]
            title = selector_set.get("title")
            if containers and (not title or _first_text(root, title)):
                return selector_set, containers
    return None, []


def read_page(
    html: bytes | str, url: str, *, portal: Portal | None = None, content_type: str | None = None
) -> Article:
    """Every field of the article on the page, the body's paragraphs before the text rules and
    the dates as printed. Raises ExtractError when the input is not an HTML page."""
    root = parse(html, content_type)
    meta = read_metadata(root)
    rules = rules_for(portal)
    fields, containers = _portal_body(root, portal.selectors if portal else ())
    if portal and portal.selectors and fields is None:
        logger.warning("portal %s: no selector set matched %s; using the generic extractor "
                       "(has the portal changed its markup?)", portal.id, url)
    article = Article(url=url, portal=portal.id if portal else None)
    article.canonical_url = _canonical(root, meta, url)
    article.title = (_first_text(root, fields.get("title")) if fields else None) or _title(
        root, meta, portal)
    article.description = (
        (_first_text(root, fields.get("description")) if fields else None)
        or meta.first(DESCRIPTION_META) or text_value(meta.jsonld.get("description"))
    )
    # Layout guesses (tag boxes, bylines, date lines) only for pages no description reads.
    hints = read_hints(root) if fields is None else None
    article.authors = _authors(root, meta, hints, portal, fields)
    article.tags = _tags(root, meta, hints, fields)
    article.section = (
        (_first_text(root, fields.get("section")) if fields else None)
        or text_value(meta.jsonld.get("articleSection")) or meta.first(SECTION_META)
    )
    credit = _first_text(root, fields.get("credit")) if fields else None
    article.credit = credit.strip(" :") or None if credit else None
    article.language = (portal.language if portal else None) or (
        (root.get("lang") or "").split("-")[0].lower() or None)
    if not containers:
        containers = generic.find_containers(root, rules)
        article.extraction = "generic"
    else:
        article.extraction = f"portal:{fields.version}"
    article.date_candidates = _date_candidates(
        root, meta, hints, url, fields, article_zone(root, article.title, containers, rules))
    article.images = _images(containers[0] if containers else None, meta, url)
    article.paragraphs = after_headline(
        body_paragraphs(containers, rules, fields.remove if fields else ()), article.title)
    return article


def after_headline(paragraphs: list[str], title: str | None) -> list[str]:
    """The body from below the headline: a container that also holds the page's header
    (breadcrumb, headline, date line) starts with short lines ending in the headline."""
    if not title:
        return paragraphs
    key = title.casefold()
    for i, line in enumerate(paragraphs[:HEADER_LINES]):
        if line.casefold() == key:
            return paragraphs[i + 1:]
        if len(line.split()) > HEADER_LINE_WORDS:
            break
    return paragraphs
