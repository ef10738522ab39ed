"""One parse per page: bytes or text in, an lxml tree out; and the reader's text of an element.

The text walker is the one place that decides what a paragraph is: block elements and <br>
end a line, as a browser renders them; it also counts how much of each line is link text, so
a related headline standing alone in the body can be told from a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from w3lib.encoding import html_to_unicode

from newscrawler.errors import NewscrawlerError

BLOCK_TAGS = frozenset(
    "p div section article main header footer h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote "
    "table thead tbody tr td th pre figure figcaption address center hr br details summary "
    "caption form fieldset".split()
)
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
_STRING = etree.XPath("string()")
# The one CSS compiler: parsel's (portal selectors may use `::text` and `::attr(name)`).
_TRANSLATOR = HTMLTranslator()
Element = etree._Element
_BINARY_SNIFF = 2048


class ExtractError(NewscrawlerError):
    """The input is not an HTML page that can be read at all (empty, binary, unparsable)."""

    reason = "not_html"


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass
class Line:
    text: str
    link_chars: int
    total_chars: int
    heading: bool = False  # the line is a heading (h1-h6) of its own

    @property
    def link_share(self) -> float:
        return self.link_chars / self.total_chars if self.total_chars else 0.0


def normalize_space(text: str | None) -> str:
    """Runs of white space (Unicode's, as `\\s`) as one space; split/join is 3x a regex here."""
    return " ".join(text.split()) if text else ""


def decode(html: bytes | str, content_type: str | None = None) -> str:
    """Text of a page: BOM, then the HTTP header's charset, then UTF-8 when the bytes are valid
    UTF-8, then <meta charset>, then Windows-1252. Valid UTF-8 wins over the page's own <meta>:
    old templates declare iso-8859-1 over UTF-8 bytes ("KapanLagi.com\u00c2\u00ae"), and text in
    another charset with non-ASCII bytes is almost never valid UTF-8."""
    if isinstance(html, str):
        return html
    head = html[:_BINARY_SNIFF]
    if not html.strip():
        raise ExtractError("empty page")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError("not an HTML page (binary content)")
    if not (content_type and "charset" in content_type.lower()):
        try:
            return html.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    # Not UTF-8 and nothing declared: what browsers assume, Windows-1252.
    _, text = html_to_unicode(content_type, html, default_encoding="cp1252")
    return text


def parse(html: bytes | str, content_type: str | None = None) -> Element:
    """The page's tree, or ExtractError when it holds no HTML document.

    Plain lxml elements (no lxml.html element classes: their Python-level lookup costs on
    every element touched), comments dropped; the text handed over as UTF-8 so that a stale
    <meta charset> in the page cannot undo the decoding above.
    """
    text = decode(html, content_type)
    if not text.strip():
        raise ExtractError("empty page")
    if "<" not in text[:_BINARY_SNIFF * 4]:
        raise ExtractError("not an HTML page (no markup)")
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"unparsable HTML: {exc}") from exc
    if root is None:
        raise ExtractError("unparsable HTML: no document element")
    return root


@cache
def css_xpath(
    selectors: tuple[str, ...], prefix: str = "descendant-or-self::"
) -> etree.XPath | None:
    """One compiled XPath for a union of CSS selectors (compiled once, reused on every page).
    With prefix "self::" it tells whether an element itself matches one of them."""
    if not selectors:
        return None
    expressions = [_TRANSLATOR.css_to_xpath(s, prefix=prefix) for s in selectors]
    return etree.XPath(" | ".join(expressions))


def text_content(element: Element) -> str:
    """All the text inside the element, as one string (what a browser would select)."""
    return _STRING(element)


def element_text(element: Element) -> str:
    return normalize_space(_STRING(element))


def drop_tree(element: Element) -> None:
    """Remove the element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def lines(element: Element) -> list[Line]:
    """The element's text as a reader sees it, line by line, with link text counted."""
    out: list[Line] = []
    parts: list[str] = []
    counts = [0, 0]  # link chars, all chars (non-space)

    def flush(heading: bool = False) -> None:
        text = normalize_space("".join(parts))
        if text:
            out.append(Line(text, counts[0], counts[1], heading))
        parts.clear()
        counts[0] = counts[1] = 0

    def add(text: str | None, in_link: bool) -> None:
        if text:
            parts.append(text)
            n = len(text) - text.count(" ") - text.count("\n") - text.count("\t")
            counts[1] += n
            if in_link:
                counts[0] += n

    def walk(el: Element, in_link: bool) -> None:
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
                flush(tag in HEADING_TAGS)
        add(el.tail, in_link)

    if element.tag in HEADING_TAGS:
        return [Line(element_text(element), 0, 1, heading=True)] if element_text(element) else []
    add(element.text, False)
    for child in element:
        walk(child, False)
    flush()
    return out
