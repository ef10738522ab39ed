"""Generic main-content finder, for pages whose portal is unknown or whose selectors broke.

Scores each element by the non-link text of the paragraphs it directly holds (a readability-
style vote: a <p> gives its text to its parent and half to its grandparent). Old markup that
writes paragraphs as text between <br>s counts for the element holding that text.
"""

from __future__ import annotations

import lxml.html

from newscrawler.boilerplate import Rules
from newscrawler.extract.document import css_xpath

SKIP_TAGS = frozenset(
    "script style noscript nav header footer aside form button select svg template iframe "
    "head title a li ul ol".split()
)
PARAGRAPH_TAGS = frozenset({"p", "h2", "h3", "blockquote", "pre"})
MIN_PARAGRAPH_CHARS = 25
MIN_CONTAINER_CHARS = 200


def _own_text(el: lxml.html.HtmlElement) -> int:
    """Chars of text directly in the element (its text and the tails of its inline children),
    links excluded: the prose the element itself shows."""
    total = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("a",):
            total += len((child.text or "").strip()) if child.tag in ("b", "strong", "i", "em",
                                                                    "span", "font") else 0
        total += len((child.tail or "").strip())
    return total


def _is_skipped(el: lxml.html.HtmlElement, rules: Rules) -> bool:
    for ancestor in el.iterancestors():
        if ancestor.tag in SKIP_TAGS or rules.is_boilerplate_element(
            ancestor.get("class"), ancestor.get("id")
        ):
            return True
    return False


def known_container(root: lxml.html.HtmlElement, rules: Rules) -> lxml.html.HtmlElement | None:
    """The first well-known body container (itemprop=articleBody, .entry-content, ...) that
    holds real prose."""
    xpath = css_xpath(rules.body_containers)
    if xpath is None:
        return None
    for el in xpath(root):
        if len(el.text_content()) >= MIN_CONTAINER_CHARS and not _is_skipped(el, rules):
            return el
    return None


def best_container(root: lxml.html.HtmlElement, rules: Rules) -> lxml.html.HtmlElement | None:
    """The element holding most of the page's prose, or None for a page without any."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    body = root.find("body")
    for el in (body if body is not None else root).iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            continue
        chars = _own_text(el)
        if chars < MIN_PARAGRAPH_CHARS:
            continue
        if el.tag in PARAGRAPH_TAGS:
            parent = el.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0.0) + chars
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + chars / 2
        else:
            scores[el] = scores.get(el, 0.0) + chars
    for el in sorted(scores, key=scores.__getitem__, reverse=True):
        if scores[el] < MIN_CONTAINER_CHARS / 2:
            return None
        if not _is_skipped(el, rules):
            return el
    return None


def find_container(root: lxml.html.HtmlElement, rules: Rules) -> lxml.html.HtmlElement | None:
    found = known_container(root, rules)
    return found if found is not None else best_container(root, rules)
