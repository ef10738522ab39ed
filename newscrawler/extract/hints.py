"""Where a page without a description shows its byline and date line: found in one scan.

Each CSS selector costs a walk over the whole tree; a page has thousands of elements and the
generic rules name a dozen places to look. So one walk collects every element that could be
one of them (a `rel`, an `itemprop`, a class word such as `author` or `date`), and the choice
among them is made on that short list, in the order of trust written below. (Tag boxes:
`tagging`.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from newscrawler.boilerplate import settings, words_pattern
from newscrawler.extract.document import Element, element_text

# Class tokens, most trusted first. An author box gives its links (or its text when it has
# none); a date element its text.
_BYLINES, _DATE_LINES = settings("bylines"), settings("date_lines")
AUTHOR_CLASSES = tuple(_BYLINES["classes"])
DATE_CLASSES = tuple(_DATE_LINES["classes"])
MAX_DATE_CHARS = int(_DATE_LINES["max_chars"])
_LABELS = "|".join(_BYLINES["labels"])
# "Reporter : Name" inside a longer line: what follows the label is the name.
LABEL_INSIDE = re.compile(rf"\b(?:{_LABELS})\s*:\s*", re.I)
# A byline in a photo's box is the photo's credit.
PICTURE_NAMES = words_pattern(_BYLINES["picture_names"])
PICTURE_LEVELS = int(_BYLINES["picture_levels"])
# A byline with its label, looked for among this many elements after the headline.
BYLINE_REACH = int(_BYLINES["reach"])
MAX_BYLINE_CHARS = int(_BYLINES["max_chars"])
_FIRST_WORDS = "|".join(dict.fromkeys(label.split()[0] for label in _BYLINES["labels"]))
# An element's own text starting with a label's first word: the cheap test before its whole text.
BYLINE_LABEL_START = re.compile(rf"^\s*(?:{_FIRST_WORDS})\b", re.I)
BYLINE_LABEL = re.compile(rf"^(?:{_LABELS})\s*:?\s+\w", re.I)
# Below the headline, a date line is looked for among this many elements, until prose starts.
DATE_LINE_REACH = int(_DATE_LINES["reach"])
DATE_LINE_ABOVE = int(_DATE_LINES["above"])
PROSE_CHARS = int(_DATE_LINES["prose_chars"])
# A date line holds a clock time and a year: the cheap test before a text is parsed as a date.
_CLOCK_AND_YEAR = re.compile(r"(?=.*\b\d{1,2}[:.]\d{2}\b)(?=.*\b(?:19|20)\d{2}\b)", re.S)
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})

# A cheap first test of a class attribute: might it name one of the places above?
_CLASS_HINT = re.compile("author|penulis|byline|reporter|writer|date|time|tanggal", re.I)
_ITEMPROPS = frozenset({"author", "datePublished"})


@dataclass
class Hints:
    """What the generic places on the page say, as printed."""

    authors: list[str] = field(default_factory=list)
    # Date lines as (rank by DATE_CLASSES, element) and <time datetime> elements, in page
    # order. Which of them dates the article depends on where the article is: see `date_line`.
    date_lines: list[tuple[int, Element]] = field(default_factory=list)
    times: list[Element] = field(default_factory=list)

    def date_line(self, place: Callable[[Element], int | None]) -> str | None:
        """The date line nearest the headline: those `place` puts first, then by class rank,
        then in page order; lines it places nowhere (None) are not the article's."""
        usable = [((where, rank), text) for rank, el in self.date_lines
                  if (where := place(el)) is not None
                  for text in [element_text(el) or el.get("datetime") or el.get("content")]
                  if text and len(text) < MAX_DATE_CHARS]
        return min(usable, key=lambda found: found[0])[1] if usable else None

    def time_datetime(self, place: Callable[[Element], int | None]) -> str | None:
        """The first <time datetime="..."> that `place` puts in the article."""
        return next((el.get("datetime") for el in self.times if place(el) is not None), None)


def date_line_below(headline: Element | None, is_dated: Callable[[str], bool]) -> str | None:
    """The first short line under the headline that reads as a date with a time ("Rabu, 4
    November 2015 | 21:04 WIB", "Yaumil Azis | 2020-12-15 07:30"), before the article's prose
    starts, else just above the headline: where a reader looks for it, whatever the template
    calls the element."""
    if headline is None:
        return None
    for el in headline.xpath(f"following::*[position() <= {DATE_LINE_REACH}]"):
        if el.tag in _NOT_TEXT:
            continue
        text = element_text(el)
        if el.tag == "p" and len(text) > PROSE_CHARS:
            break
        if _is_date_line(text, is_dated):
            return text
    # Just above the headline, in the block holding it (some templates print it there), nearest
    # first; not the page header's clock.
    block = next(islice(headline.iterancestors(), 1, None), None)
    if block is None or block.tag in ("body", "html"):
        return None
    inside = set(block.iterdescendants())
    above = headline.xpath(f"preceding::*[position() <= {DATE_LINE_ABOVE}]")
    return next((text for el in reversed(above) if el in inside and el.tag not in _NOT_TEXT
                 for text in [element_text(el)] if _is_date_line(text, is_dated)), None)


def _is_date_line(text: str, is_dated: Callable[[str], bool]) -> bool:
    return len(text) < MAX_DATE_CHARS and bool(_CLOCK_AND_YEAR.match(text)) and is_dated(text)


def labelled_bylines(headline: Element | None) -> list[str]:
    """The short lines after the headline that name the writer with a label ("Reporter :
    Supriatin", "Pewarta: Monalisa", "Oleh : Maya Sofia"), in the header or closing the body,
    in page order."""
    if headline is None:
        return []
    return [text for el in headline.xpath(f"following::*[position() <= {BYLINE_REACH}]")
            if el.tag not in _NOT_TEXT and BYLINE_LABEL_START.match(_leading_text(el))
            for text in [element_text(el)]
            if len(text) <= MAX_BYLINE_CHARS and BYLINE_LABEL.match(text)]


def _leading_text(el: Element) -> str:
    """The text an element starts with: its own, else its first child's (a table row)."""
    if el.text and el.text.strip():
        return el.text
    first = el[0] if len(el) else None
    return first.text or "" if first is not None and isinstance(first.tag, str) else ""


def _in_picture(el: Element) -> bool:
    return any(a.tag == "figure" or PICTURE_NAMES.search(a.get("class") or "")
               for a in islice(el.iterancestors(), PICTURE_LEVELS))


def _link_texts(el: Element) -> list[str]:
    anchors = [el] if el.tag == "a" else el.iter("a")
    return [t for t in map(element_text, anchors) if t]


def _rank(tokens: set[str], ordered: tuple[str, ...], fragment: str) -> int | None:
    """The place of the first class word of `ordered` the element has; after all of them, a
    theme's own spelling holding the fragment (`td-post-author-name`, `jeg_post_tags`)."""
    found = next((i for i, name in enumerate(ordered) if name in tokens), None)
    if found is None and any(fragment in token for token in tokens):
        return len(ordered)
    return found


def _best(ranked: dict[int, list[str]]) -> list[str]:
    return ranked[min(ranked)] if ranked else []


def _candidates(root: Element) -> list[Element]:
    """Elements that may be a byline or a date line: one pass in Python, which is
    faster here than an XPath testing every class attribute for each word."""
    found = []
    hinted: dict[str, bool] = {}  # pages repeat their class names: test each once
    for el in root.iter():
        attrib = el.attrib
        if not attrib:
            continue
        class_attr = attrib.get("class")
        if class_attr and class_attr not in hinted:
            hinted[class_attr] = _CLASS_HINT.search(class_attr) is not None
        if (class_attr and hinted[class_attr]) or "rel" in attrib or (
            attrib.get("itemprop") in _ITEMPROPS or (el.tag == "time" and "datetime" in attrib)
        ):
            found.append(el)
    return found


def read_hints(root: Element) -> Hints:
    hints = Hints()
    authors: dict[int, list[str]] = {}
    for el in _candidates(root):
        rel = (el.get("rel") or "").lower().split()
        itemprop = (el.get("itemprop") or "").lower()
        tokens = set((el.get("class") or "").lower().split())
        if el.tag == "time" and el.get("datetime"):
            hints.times.append(el)
        if _in_picture(el):  # a photo's credit ("KOMPAS.com/Name") names no writer
            pass
        elif "author" in rel:
            authors.setdefault(0, []).append(element_text(el))
        elif itemprop == "author":
            named = [element_text(n) for n in el.iterdescendants() if n.get("itemprop") == "name"]
            authors.setdefault(1, []).extend(named or [element_text(el)])
        elif (rank := _rank(tokens, AUTHOR_CLASSES, "author")) is not None or (
                rank := _rank(tokens, (), "reporter")) is not None:
            text = element_text(el)
            labelled = LABEL_INSIDE.search(text)  # "GAYA | 17 Juni 2021 Reporter : Name"
            authors.setdefault(2 + rank, []).extend(
                [text] if labelled else _link_texts(el) or [text])
        if itemprop == "datepublished" and el.tag != "meta":
            hints.date_lines.append((0, el))
        elif (rank := _rank(tokens, DATE_CLASSES, "date")) is not None:
            hints.date_lines.append((1 + rank, el))
    hints.authors = [a for a in _best({k: v for k, v in authors.items() if any(v)}) if a]
    return hints
