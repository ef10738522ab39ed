"""Boilerplate rules (kept as data in boilerplate.yaml), compiled once and applied to a body.

Two kinds of rule: element rules cut whole elements (share bars, related boxes, ads) out of the
body container before it is read; text rules judge the paragraphs that remain ("Baca juga: ...",
"Artikel Terkait", a related headline standing alone). A portal's description adds its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from newscrawler.portals import Portal

RULES_FILE = Path(__file__).with_name("boilerplate.yaml")
_SEGMENT_SPLIT = re.compile(r"[-_]")


@dataclass(frozen=True)
class Rules:
    remove: tuple[str, ...]
    class_words: frozenset[str]
    drop: tuple[re.Pattern[str], ...]
    stop: tuple[re.Pattern[str], ...]
    credit: tuple[re.Pattern[str], ...]
    link_line_min_words: int
    link_line_min_share: float
    body_containers: tuple[str, ...]

    def is_boilerplate_element(self, class_attr: str | None, id_attr: str | None) -> bool:
        """True when a class token or the id names boilerplate (a whole word of it, e.g.
        `box-baca-juga` or `share_bar`, but not `address` for `ads`)."""
        for token in f"{class_attr or ''} {id_attr or ''}".lower().split():
            parts = _SEGMENT_SPLIT.split(token)
            if token in self.class_words or any(p in self.class_words for p in parts):
                return True
            if any(f"{a}-{b}" in self.class_words for a, b in zip(parts, parts[1:])):
                return True
        return False

    def is_dropped(self, paragraph: str) -> bool:
        return any(p.search(paragraph) for p in self.drop)

    def is_stop(self, paragraph: str) -> bool:
        return any(p.search(paragraph) for p in self.stop)


def _patterns(items: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in items)


def _class_words(words: list[str]) -> frozenset[str]:
    """Words as written, plus the hyphen spelling of underscored ones, for `is_boilerplate_element`."""
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
        drop=_patterns(raw.get("drop", []) + extra.get("drop", [])),
        stop=_patterns(raw.get("stop", []) + extra.get("stop", [])),
        credit=_patterns(raw.get("credit", [])),
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
    try:
        return _rules_for(portal.id)
    except ValueError:  # a portal built in memory (tests), not loaded from the folder
        return compile_rules(_shared_rules_data(), portal.boilerplate)


def clean_paragraphs(paragraphs: list[str], rules: Rules) -> list[str]:
    """Drop boilerplate paragraphs and cut the body at the first end-of-article marker.

    A stop marker before any real paragraph is only dropped: a "Terpopuler" box above the
    article must not swallow it.
    """
    kept: list[str] = []
    for paragraph in paragraphs:
        if rules.is_stop(paragraph):
            if kept:
                break
            continue
        if not rules.is_dropped(paragraph):
            kept.append(paragraph)
    return kept


def find_credit(body: str | None, rules: Rules) -> str | None:
    """The syndication credit at the end of the body, e.g. "(ds/sumber iNews.id)" -> "iNews.id"."""
    if not body:
        return None
    tail = body[-200:]
    for pattern in rules.credit:
        match = pattern.search(tail)
        if match:
            return match.group(1).strip().rstrip(".")
    return None
