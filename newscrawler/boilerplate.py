"""Boilerplate rules (kept as data in boilerplate.yaml), compiled once and applied to a body.

Two kinds of rule: element rules cut whole elements (share bars, related boxes, ads) out of the
body container before it is read; text rules judge the paragraphs that remain ("Baca juga: ...",
"Artikel Terkait", a related headline standing alone). A portal's description adds its own.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from newscrawler.portals import Portal

# A package resource, so the rules load from a zipped egg too (scrapyd deploys one).
RULES_FILE = importlib.resources.files("newscrawler").joinpath("boilerplate.yaml")
_SEGMENT_SPLIT = re.compile(r"[-_]")
VERDICTS_KEPT = 20_000  # class names remembered per rule set (a long crawl meets millions)


@dataclass(frozen=True)
class Rules:
    remove: tuple[str, ...]
    class_words: frozenset[str]
    drop: re.Pattern[str]
    stop: re.Pattern[str]
    credit: tuple[re.Pattern[str], ...]
    credit_line: tuple[re.Pattern[str], ...]
    closing_byline: re.Pattern[str] | None
    hidden: tuple[str, ...]
    hidden_prose_chars: int
    link_line_min_words: int
    link_line_min_share: float
    body_containers: tuple[str, ...]
    verdicts: dict[tuple[str | None, str | None], bool] = field(
        default_factory=dict, compare=False, hash=False, repr=False)

    def is_boilerplate_element(self, class_attr: str | None, id_attr: str | None) -> bool:
        """True when a class token or the id names boilerplate (a whole word of it, e.g.
        `box-baca-juga` or `share_bar`, but not `address` for `ads`). Remembered per name:
        pages repeat the same few class names thousands of times."""
        if not class_attr and not id_attr:
            return False
        key = (class_attr, id_attr)
        found = self.verdicts.get(key)
        if found is None:
            if len(self.verdicts) >= VERDICTS_KEPT:
                self.verdicts.clear()
            names = f"{class_attr or ''} {id_attr or ''}"
            found = self.verdicts[key] = self._names_boilerplate(names)
        return found

    def _names_boilerplate(self, names: str) -> bool:
        for token in names.lower().split():
            parts = _SEGMENT_SPLIT.split(token)
            if token in self.class_words or any(p in self.class_words for p in parts):
                return True
            if any(f"{a}-{b}" in self.class_words for a, b in zip(parts, parts[1:], strict=False)):
                return True
        return False

    def is_dropped(self, paragraph: str) -> bool:
        return self.drop.match(paragraph) is not None

    def is_stop(self, paragraph: str) -> bool:
        return self.stop.match(paragraph) is not None


def _patterns(items: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in items)


def _any_of(items: list[str]) -> re.Pattern[str]:
    """One pattern, tried at the paragraph's start only (`match`), matching where any of the
    rules would be found: a rule anchored with ^ as it is, any other after `.*?`. One match
    per paragraph instead of one search per rule, which would try every position of a long
    paragraph against every rule."""
    if not items:
        return re.compile(r"(?!)")
    for item in items:
        re.compile(item)  # a bad rule is named by its own error, not by the union's
    anchored = (p[1:] if p.startswith("^") else f".*?(?:{p})" for p in items)
    return re.compile("|".join(f"(?:{p})" for p in anchored), re.IGNORECASE | re.DOTALL)


def _class_words(words: list[str]) -> frozenset[str]:
    """Words as written, plus the hyphen spelling of underscored ones (`is_boilerplate_element`)."""
    return frozenset(w.lower().replace("_", "-") for w in words) | frozenset(
        w.lower() for w in words
    )


def compile_rules(raw: dict[str, Any], extra: dict[str, Any] | None = None) -> Rules:
    """Rules from the shared file, with a portal's own `drop` / `stop` / `remove` added."""
    extra = extra or {}
    link_line = raw.get("link_line", {})
    return Rules(
        remove=tuple(raw.get("remove", [])) + tuple(extra.get("remove", [])),
        class_words=_class_words(raw.get("class_words", []) + extra.get("class_words", [])),
        drop=_any_of(raw.get("drop", []) + extra.get("drop", [])),
        stop=_any_of(raw.get("stop", []) + extra.get("stop", [])),
        credit=_patterns(raw.get("credit", [])),
        credit_line=_patterns(raw.get("credit_line", [])),
        closing_byline=re.compile(raw["closing_byline"]) if raw.get("closing_byline") else None,
        hidden=tuple(raw.get("hidden", [])),
        hidden_prose_chars=int(raw.get("hidden_prose_chars", 300)),
        link_line_min_words=int(link_line.get("min_words", 3)),
        link_line_min_share=float(link_line.get("min_link_share", 0.9)),
        body_containers=tuple(raw.get("body_containers", [])),
    )


@cache
def _shared_rules_data() -> dict[str, Any]:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


@cache
def _rules_for(portal_id: str | None) -> Rules:
    from newscrawler.portals import get_portal

    extra = get_portal(portal_id).boilerplate if portal_id else None
    return compile_rules(_shared_rules_data(), extra)


def rules_for(portal: Portal | None) -> Rules:
    """The compiled rules for a portal (shared rules alone for None), compiled once per portal."""
    if portal is None:
        return _rules_for(None)
    from newscrawler.portals import PortalError

    try:
        return _rules_for(portal.id)
    except PortalError:  # a portal built in memory (tests, bench), not loaded from the folder
        if not portal.boilerplate:
            return _rules_for(None)
        return compile_rules(_shared_rules_data(), portal.boilerplate)


def clean_paragraphs(paragraphs: list[str], rules: Rules) -> list[str]:
    """Drop boilerplate paragraphs and cut the body at the first end-of-article marker.

    A stop marker before any real paragraph is only dropped: a "Terpopuler" box above the
    article must not swallow it.
    """
    kept: list[str] = []
    for paragraph in _join_datelines(paragraphs):
        if rules.is_stop(paragraph):
            if kept:
                break
            continue
        if not rules.is_dropped(paragraph):
            kept.append(paragraph)
    return kept


# A dateline standing as its own line ("<strong>Jakarta</strong> - <p>Galaxy ...") belongs to
# the paragraph after it: "Jakarta - Galaxy ...".
_DATELINE = re.compile(r"^[A-Z][\w.,()/' ]{1,60}\s[-–—]{1,2}$")


def _join_datelines(paragraphs: list[str]) -> list[str]:
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and _DATELINE.match(joined[-1]):
            joined[-1] = f"{joined[-1]} {paragraph}"
        else:
            joined.append(paragraph)
    return joined


def split_credit(paragraphs: list[str], rules: Rules) -> tuple[list[str], str | None]:
    """The body without its closing credit line, and the credit.

    A credit standing as its own last line ("Sumber: Antara") is not article text: it leaves the
    body. A credit closing the last sentence ("... Armenia. (ds/sumber iNews.id)") stays in it,
    as the reader sees it; either way the credit is returned.
    """
    if paragraphs:
        for pattern in rules.credit_line:
            match = pattern.search(paragraphs[-1])
            if match:
                return paragraphs[:-1], _credit_text(match)
        tail = paragraphs[-1][-200:]
        for pattern in rules.credit:
            match = pattern.search(tail)
            if match:
                return paragraphs, _credit_text(match)
    return paragraphs, None


def drop_closing_byline(paragraphs: list[str], rules: Rules) -> list[str]:
    """The body without a last line that is only a name in capitals (the reporter's byline)."""
    if paragraphs and rules.closing_byline and rules.closing_byline.match(paragraphs[-1]):
        return paragraphs[:-1]
    return paragraphs


def _credit_text(match: re.Match[str]) -> str:
    return match.group(1).strip().rstrip(".")
