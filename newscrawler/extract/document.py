"""One parse per page: bytes or text in, an lxml tree out; and the reader's text of an element.

The text walker is the one place that decides what a paragraph is: block elements and <br>
end a line, as a browser renders them; it also counts how much of each line is link text, so
a related headline standing alone in the body can be told from a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from newscrawler.errors import NewscrawlerError

BLOCK_TAGS = frozenset(
    "p div section article main header footer h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote "
    "table thead tbody tr td th pre figure figcaption address center hr br details summary "
    "caption form fieldset".split()
)
# huge_tree: no 10 MB cap on a text node or attribute (an inline data: image), nesting to 2048.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                           huge_tree=True)
_STRING = etree.XPath("string()")
# The one CSS compiler: parsel's (portal selectors may use `::text` and `::attr(name)`).
_TRANSLATOR = HTMLTranslator()
Element = etree._Element
_BINARY_SNIFF = 2048
_BINARY_BYTES = [bytes([b]) for b in (*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20))]
_BINARY_SHARE = 0.1
# Bytes an XML tree cannot hold (C0 controls other than tab, LF, CR): vertical tabs and form
# feeds, which text pasted from word processors carries, become spaces; the others go.
_SPACE_CONTROLS = bytes.maketrans(b"\x0b\x0c", b"  ")
_DROPPED_CONTROLS = bytes([*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x20)])
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF in UTF-8
MAX_ATTRIBUTES = 256
_LONG_TAG = re.compile(rb"<[a-zA-Z][^<>]{1000,}")  # 256 attributes take 1000 characters
_ATTRIBUTE = re.compile(rb"""\s[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
MAX_DEPTH = 200  # levels of elements kept; Python's recursion limit is 1000
_TOO_DEEP = etree.XPath("/".join(["*"] * MAX_DEPTH))
_TOO_DEEP_BELOW = etree.XPath("boolean(" + "/".join(["*"] * 50) + ")")
_WRAPPER_TAGS = ("div", "font", "span", "center", "section", "article", "main", "blockquote",
                 "b", "i", "u", "small", "big", "strong", "em")
_WRAPPER_TAG = re.compile(rf"</?(?:{'|'.join(_WRAPPER_TAGS)})\b[^<>]*>".encode(), re.I)
# 16+ opening tags in a row with no text between: the mark of unclosed <div>s and <font>s
# (a page's own wrappers rarely run past ten); the first and last KEPT_OPENINGS of the run
# are kept, as the page's own wrappers sit at either end of it.
_OPENING_RUN = re.compile(rb"(?:<[a-z][a-z0-9]*\b[^<>]*>\s*){16,}", re.I)
_OPENING_TAG = re.compile(rb"<[a-z][a-z0-9]*\b[^<>]*>", re.I)
KEPT_OPENINGS = 8


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
    """Text of a page, in the order browsers decide it (a byte-order mark, then the HTTP
    header's charset, then <meta charset>, then Windows-1252), with one exception: bytes that
    are valid UTF-8 are read as UTF-8 whatever is declared. Old templates declare iso-8859-1
    over UTF-8 bytes, servers say utf-16 or utf-8 for whatever they serve, and text in another
    charset with non-ASCII bytes is almost never valid UTF-8: so no "CafÃ©" is ever stored."""
    if isinstance(html, str):
        return html
    if not html.strip():
        raise ExtractError("empty page")
    bom_encoding, bom = read_bom(html)
    if bom_encoding:
        return html[len(bom):].decode(bom_encoding, "replace")
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(html)
    if declared and declared.startswith(("utf-16", "utf-32")) and b"\x00" in html[:_BINARY_SNIFF]:
        text = _strict(html, declared)  # real UTF-16 without a BOM: its ASCII has NUL bytes
        if text is not None:
            return text
    if _looks_binary(html[:_BINARY_SNIFF]):
        raise ExtractError("not an HTML page (binary content)")
    text = _strict(html, "utf-8")
    if text is not None:
        return text
    if declared and not declared.startswith(("utf-", "utf_")):
        text = _strict(html, declared)
        if text is not None:
            return text
    return html.decode("cp1252", "replace")  # what browsers assume with nothing that fits


def _strict(html: bytes, encoding: str) -> str | None:
    """The bytes decoded in `encoding`, or None when they are not valid in it."""
    try:
        return html.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(head: bytes) -> bool:
    """Binary data rather than text: many control bytes, not the odd stray NUL a template
    leaves (a browser shows such a page)."""
    controls = sum(head.count(byte) for byte in _BINARY_BYTES)
    return controls > len(head) * _BINARY_SHARE


def xml_safe(data: bytes) -> bytes:
    """UTF-8 bytes without the characters an XML tree cannot hold (C0 controls other than
    tab, CR and LF; U+FFFE, U+FFFF): lxml refuses them when a removed element's tail text is
    moved (drop_tree). Byte-level: a regex over the text costs five times as much."""
    data = data.translate(_SPACE_CONTROLS, _DROPPED_CONTROLS)
    for noncharacter in _NONCHARACTERS:
        if noncharacter in data:
            data = data.replace(noncharacter, b"")
    return data


def _bound_attributes(data: bytes) -> bytes:
    """Tags cut after their first MAX_ATTRIBUTES attributes: libxml2 is quadratic in the
    attributes of one element (160k of them took 68 s), and a page needs only a few."""
    if _LONG_TAG.search(data) is None:
        return data
    return _LONG_TAG.sub(_first_attributes, data)


def _first_attributes(tag: re.Match[bytes]) -> bytes:
    text = tag.group()
    if text.count(b"=") <= MAX_ATTRIBUTES:  # a long data: URI or style, not a flood
        return text
    for count, attribute in enumerate(_ATTRIBUTE.finditer(text), 1):
        if count == MAX_ATTRIBUTES:
            return text[: attribute.end()]
    return text


def parse(html: bytes | str, content_type: str | None = None) -> Element:
    """The page's tree, or ExtractError when it holds no HTML document.

    Plain lxml elements (no lxml.html element classes: their Python-level lookup costs on
    every element touched), comments dropped; the text handed over as UTF-8 so that a stale
    <meta charset> in the page cannot undo the decoding above. Nesting deeper than libxml2
    allows (unclosed <div>s and <font>s) is flattened, so a browser's page is read whole.
    """
    text = decode(html, content_type)
    if not text.strip():
        raise ExtractError("empty page")
    if "<" not in text[:_BINARY_SNIFF * 4]:
        raise ExtractError("not an HTML page (no markup)")
    data = _bound_attributes(xml_safe(text.encode("utf-8", "replace")))
    root = _parse_bytes(data)
    if _too_deep(root):
        data = _OPENING_RUN.sub(_kept_openings, data)
        root = _parse_bytes(data)
        if _too_deep(root) and any("Excessive depth" in e.message for e in _PARSER.error_log):
            root = _parse_bytes(_WRAPPER_TAG.sub(b"", data))  # cut by libxml2: keep the text
        _flatten_deep(root)
    return root


def _kept_openings(run: re.Match[bytes]) -> bytes:
    tags = _OPENING_TAG.findall(run.group())
    return b"".join(tags[:KEPT_OPENINGS] + tags[-KEPT_OPENINGS:])


def _too_deep(root: Element) -> bool:
    """Nested past MAX_DEPTH, or cut short by libxml2's own limit (2048 levels)."""
    return bool(_TOO_DEEP(root)) or any(
        "Excessive depth" in error.message for error in _PARSER.error_log)


def _parse_bytes(data: bytes) -> Element:
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"unparsable HTML: {exc}") from exc
    if root is None:
        raise ExtractError("unparsable HTML: no document element")
    return root


def _flatten_deep(root: Element) -> None:
    """Elements nested deeper than MAX_DEPTH merged into their ancestor at that depth (text
    and order kept), so that no walk over the tree recurses past Python's limit."""
    for deep in _TOO_DEEP(root):
        etree.strip_tags(deep, *_WRAPPER_TAGS)
        if _TOO_DEEP_BELOW(deep):
            etree.strip_elements(deep, "script", "style", with_tail=False)
            etree.strip_tags(deep, "*")


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
