"""The article's tags on a page no description reads: the links to tag pages a reader sees
listed with the article.

A tag link points at a tag or topic page (`/tag/x`, `/topik/...`, `rel=tag`). Links are
grouped by the block holding them; a block is a tag box when it is mostly those links (not a
paragraph with a keyword linked in it). Of the boxes, the article's is the one after its
headline, out of the page's furniture (menus, sidebars, trending bars), and nearest its body:
site-wide topic bars sit above the headline or beside the article, never in it. UI labels
("More Tag", "Lihat Selengkapnya") are not tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from newscrawler.boilerplate import shared_rules_data, words_pattern
from newscrawler.extract.document import Element, element_text

BOX_TAGS = frozenset("ul ol div section p td dl article aside nav header footer main".split())
SECOND_LEVEL = frozenset({"co", "or", "go", "ac", "web", "my", "sch", "com", "net"})
HEADING_CHARS = 60
HIDDEN_CLASSES = frozenset({"hide", "hidden", "d-none", "sr-only"})


@dataclass(frozen=True)
class TagRules:
    href: re.Pattern[str]
    box_classes: frozenset[str]
    ui_label: re.Pattern[str]
    furniture_names: re.Pattern[str]
    frame_names: re.Pattern[str]  # the page's header and footer: furniture outside <article>
    sitewide_heading: re.Pattern[str]  # "Topik Pilihan", "Hot Topics" over a box
    max_other_chars: int  # text in a box besides its tag links: more is prose, not a box
    max_words: int  # a longer link text is a headline, not a tag


@cache
def tag_rules() -> TagRules:
    raw = shared_rules_data()["tag_boxes"]
    return TagRules(
        href=re.compile(raw["href"], re.I),
        box_classes=frozenset(raw["box_classes"]),
        ui_label=re.compile(raw["ui_label"], re.I),
        furniture_names=words_pattern(raw["furniture_names"]),
        frame_names=words_pattern(raw["frame_names"]),
        sitewide_heading=re.compile(raw["sitewide_heading"], re.I),
        max_other_chars=int(raw["max_other_chars"]),
        max_words=int(raw["max_words"]),
    )


def _is_rel_tag(a: Element) -> bool:
    return "tag" in (a.get("rel") or "").lower().split()


def is_tag_link(a: Element, rules: TagRules, site: str, in_tag_box: bool = False) -> bool:
    """A link to a tag page of this site (a hashtag of an embedded tweet is not one), or a
    link in a box named as the tags (`<div class="tags">`)."""
    href = (a.get("href") or "").strip()
    if not (in_tag_box or _is_rel_tag(a) or rules.href.search(href)):
        return False  # the common case, decided on the raw href without parsing it
    parts = urlsplit(href)
    if parts.hostname and _site(parts.hostname) != site:
        return False
    return in_tag_box or _is_rel_tag(a) or bool(rules.href.search(parts.path))


def _box(link: Element) -> Element | None:
    """The block holding the link; a run of sibling blocks alike (one tag each) is one box,
    named by its first."""
    box = next((a for a in link.iterancestors() if a.tag in BOX_TAGS), None)
    while box is not None:
        before = box.getprevious()
        if before is None or (before.tag, before.get("class")) != (box.tag, box.get("class")):
            break
        box = before
    return box


def _is_furniture(box: Element, rules: TagRules) -> bool:
    """In a menu, sidebar or trending bar, or the page's own header or footer: the site's
    topics, not the article's. An <article>'s own header and footer are the article's."""
    chain = [box, *box.iterancestors()]
    in_article = any(el.tag == "article" for el in chain)
    for el in chain:
        if el.tag == "article":
            return False
        names = f"{el.get('class') or ''} {el.get('id') or ''}".replace("_", "-")
        if rules.furniture_names.search(names) or el.tag in ("aside", "nav") or (
                not in_article and (el.tag in ("header", "footer")
                                    or rules.frame_names.search(names))):
            return True
    return False


def _is_sitewide(box: Element, rules: TagRules) -> bool:
    """Headed as the site's picks ("Topik Pilihan", "HOT TOPICS"): by the box's own words
    outside its links, or a short heading just before it or its parent."""
    headings = [_visible_text(box, in_link=False)]
    for el in (box, box.getparent()):
        before = el.getprevious() if el is not None else None
        if before is not None and isinstance(before.tag, str):
            headings.append(element_text(before)[:HEADING_CHARS])
    return any(rules.sitewide_heading.search(" ".join(h.split())) for h in headings)


def _site(host: str) -> str:
    """The registrable part of a host: kapanlagi.com for m.kapanlagi.com, dream.co.id."""
    labels = host.lower().split(".")
    keep = 3 if len(labels) > 2 and labels[-2] in SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _depth_shared_with(box: Element, body: Element | None) -> int:
    """How deep the nearest element holding both the box and the body is: deeper is closer."""
    if body is None:
        return 0
    around_body = {id(a) for a in (body, *body.iterancestors())}
    shared = next((a for a in (box, *box.iterancestors()) if id(a) in around_body), None)
    return sum(1 for _ in shared.iterancestors()) if shared is not None else 0


def article_tags(url: str, root: Element, headline: Element | None, body: Element | None
                 ) -> list[str]:
    """The tags of the article's tag box, in page order; [] when the page shows none."""
    rules = tag_rules()
    site = _site(urlsplit(url).hostname or "")
    start = headline if headline is not None else root
    after = "following::" if headline is not None else "descendant::"
    in_named_box = {a for el in start.xpath(f"{after}*[contains(@class, 'tag')]")
                    if rules.box_classes & set(el.get("class", "").lower().split())
                    for a in el.iter("a")}  # links inside a box named as the tags
    boxes: dict[Element, list[Element]] = {}
    for link in start.xpath(f"{after}a"):  # in page order, after the headline
        if is_tag_link(link, rules, site, link in in_named_box):
            box = _box(link)
            if box is not None:
                boxes.setdefault(box, []).append(link)
    best: tuple[int, int, int] | None = None
    chosen: list[str] = []
    for order, (box, links) in enumerate(boxes.items()):
        if _is_furniture(box, rules) or _is_sitewide(box, rules):
            continue
        if _outside_links(box) > rules.max_other_chars:  # prose around: only links that
            links = [a for a in links if _is_rel_tag(a)]  # declare themselves tags count
        texts = list(dict.fromkeys(t for t in (element_text(a).lstrip("#").strip() for a in links)
                                   if t and len(t.split()) <= rules.max_words
                                   and not rules.ui_label.match(t)))
        if not texts:
            continue
        rank = (-len(texts), -_depth_shared_with(box, body), order)
        if best is None or rank < best:
            best, chosen = rank, texts
    return chosen


def _outside_links(box: Element) -> int:
    """Characters of the box's visible text outside its links (hidden popovers left out)."""
    return len(normalize(_visible_text(box, in_link=False)))


def _visible_text(el: Element, in_link: bool) -> str:
    parts = [] if in_link or el.tag == "a" else [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and not is_hidden(child):
            parts.append(_visible_text(child, in_link or el.tag == "a"))
        if not in_link and el.tag != "a":
            parts.append(child.tail or "")
    return " ".join(parts)


def is_hidden(el: Element) -> bool:
    """Not shown to the reader: `hidden`, display:none or a class saying so (`hide`)."""
    style = (el.get("style") or "").replace(" ", "").lower()
    classes = (el.get("class") or "").lower().split()
    return el.get("hidden") is not None or "display:none" in style or any(
        c in HIDDEN_CLASSES for c in classes)


def normalize(text: str) -> str:
    return "".join(text.split())
