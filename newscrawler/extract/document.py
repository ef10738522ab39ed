"""One parse per page: bytes or text in, an lxml tree out; and the reader's text of an element.

The text walker is the one place that decides what a paragraph is: block elements and <br>
end a line, as a browser renders them; it also counts how much of each line is link text, so
a related headline standing alone in the body can be told from a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import lxml.html
from cssselect import HTMLTranslator
from lxml import etree
from w3lib.encoding import html_to_unicode

BLOCK_TAGS = frozenset(
    "p div section article main header footer h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote "
    "table thead tbody tr td th pre figure figcaption address center hr br details summary "
    "caption form fieldset".split()
)
_SPACES = re.compile(r"\s+")
_BINARY_SNIFF = 2048


class ExtractError(ValueError):
    """The input is not an HTML page that can be read at all (empty, binary, unparsable)."""


@dataclass
class Line:
    text: str
    link_chars: int
    total_chars: int

    @property
    def link_share(self) -> float:
        return self.link_chars / self.total_chars if self.total_chars else 0.0


def normalize_space(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def decode(html: bytes | str, content_type: str | None = None) -> str:
    """Text of a page: BOM, HTTP header, <meta charset> then UTF-8, as a browser would."""
    if isinstance(html, str):
        return html
    head = html[:_BINARY_SNIFF]
    if not html.strip():
        raise ExtractError("empty page")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("not an HTML page (binary content)")
    _, text = html_to_unicode(content_type, html)
    return text


def parse(html: bytes | str, content_type: str | None = None) -> lxml.html.HtmlElement:
    """The page's tree, or ExtractError when it holds no HTML document."""
    text = decode(html, content_type)
    if not text.strip():
        raise ExtractError("empty page")
    if "<" not in text[:_BINARY_SNIFF * 4]:
        raise ExtractError("not an HTML page (no markup)")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        # lxml refuses str with an XML encoding declaration: hand it bytes instead.
        try:
            root = lxml.html.document_fromstring(text.encode("utf-8"))
        except (etree.ParserError, ValueError):
            raise ExtractError(f"unparsable HTML: {exc}") from exc
    return root


@cache
def css_xpath(selectors: tuple[str, ...]) -> etree.XPath | None:
    """One compiled XPath for a union of CSS selectors (compiled once, reused on every page)."""
    if not selectors:
        return None
    translator = HTMLTranslator()
    expressions = [translator.css_to_xpath(s, prefix="descendant-or-self::") for s in selectors]
    return etree.XPath(" | ".join(expressions))


def element_text(element: lxml.html.HtmlElement) -> str:
    return normalize_space(element.text_content())


def lines(element: lxml.html.HtmlElement) -> list[Line]:
    """The element's text as a reader sees it, line by line, with link text counted."""
    out: list[Line] = []
    parts: list[str] = []
    counts = [0, 0]  # link chars, all chars (non-space)

    def flush() -> None:
        text = normalize_space("".join(parts))
        if text:
            out.append(Line(text, counts[0], counts[1]))
        parts.clear()
        counts[0] = counts[1] = 0

    def add(text: str | None, in_link: bool) -> None:
        if text:
            parts.append(text)
            n = len(text) - text.count(" ") - text.count("\n") - text.count("\t")
            counts[1] += n
            if in_link:
                counts[0] += n

    def walk(el: lxml.html.HtmlElement, in_link: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is not None:
            block = tag in BLOCK_TAGS
            if block:
                flush()
            here_link = in_link or tag == "a"
            add(el.text, here_link)
            for child in el:
                walk(child, here_link)
            if block:
                flush()
        add(el.tail, in_link)

    add(element.text, False)
    for child in element:
        walk(child, False)
    flush()
    return out
