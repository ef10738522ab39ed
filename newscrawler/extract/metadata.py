"""Structured metadata a page declares about itself: JSON-LD (schema.org) and <meta> tags.

Read before any visible text: when a portal says what its headline, date and authors are, that
is more reliable than guessing them from the layout.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from newscrawler.extract.document import Element

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
     "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting"}
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_JSONLD_DEPTH = 20

PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "published_time", "pubdate",
    "publishdate", "publish-date", "publish_date", "datepublished", "dc.date.issued",
    "dcterms.created", "dc.date", "date", "sailthru.date", "parsely-pub-date",
    "content_publisheddate", "article.published", "og:published_time",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "dc.date.modified",
    "dcterms.modified", "last-modified", "lastmod", "article.updated",
)
AUTHOR_META = ("author", "dc.creator", "article:author", "parsely-author", "byl", "content_author")
SECTION_META = ("article:section", "og:article:section", "parsely-section", "section")
DESCRIPTION_META = ("og:description", "description", "twitter:description")


@dataclass
class Metadata:
    """What JSON-LD and <meta> say, each value still as the page wrote it."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: dict[str, Any] = field(default_factory=dict)

    def first(self, names: tuple[str, ...]) -> str | None:
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, name: str) -> list[str]:
        return [v.strip() for v in self.meta.get(name, ()) if v.strip()]


def read_meta(root: Element) -> dict[str, list[str]]:
    """<meta> tags by lower-cased name/property/itemprop, in page order."""
    found: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                found.setdefault(key.strip().lower(), []).append(content)
    return found


def _load_json(text: str) -> Any:
    """The block's JSON; ValueError when it is malformed or nested too deep to decode."""
    try:
        return _decode_json(text)
    except ValueError:
        cleaned = _CONTROL_CHARS.sub(" ", text).strip().rstrip(";")
        return _decode_json(cleaned)


def _decode_json(text: str) -> Any:
    try:
        return json.loads(text, strict=False)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


def _objects(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Every schema.org object in a JSON-LD block, @graph and lists flattened (to a bounded
    depth: real pages nest a few levels, a hostile one a thousand)."""
    if depth > MAX_JSONLD_DEPTH:
        return []
    if isinstance(data, list):
        return [o for item in data for o in _objects(item, depth + 1)]
    if not isinstance(data, dict):
        return []
    found = [data]
    if "@graph" in data:
        found += _objects(data["@graph"], depth + 1)
    if isinstance(data.get("mainEntity"), dict):
        found += _objects(data["mainEntity"], depth + 1)
    return found


def _types(obj: dict[str, Any]) -> set[str]:
    """The object's @type names; a null, a number or an object there names no type."""
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def read_jsonld(root: Element) -> dict[str, Any]:
    """The page's article object from JSON-LD (NewsArticle and kin), or {} when it has none.

    Malformed blocks are skipped with a debug log: many portals ship broken JSON-LD, and a page
    must not fail for it.
    """
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = _load_json(script.text or "")
        except ValueError as exc:
            logger.debug("skipping malformed JSON-LD block: %s", exc)
            continue
        for obj in _objects(data):
            if _types(obj) & ARTICLE_TYPES:
                return obj
    return {}


def read_metadata(root: Element) -> Metadata:
    return Metadata(meta=read_meta(root), jsonld=read_jsonld(root))


def names(value: Any) -> list[str]:
    """Person or organisation names from a schema.org author value (str, dict or list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in names(item)]
    return []


def keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list):
        return [k.strip() for k in value if isinstance(k, str) and k.strip()]
    return []


def text_value(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0].strip() or None
    return None
