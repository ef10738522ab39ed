"""The article record every stage passes along (a dataclass: itemadapter takes it as is)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

INTERNAL_FIELDS = ("paragraphs", "date_candidates", "pages")


@dataclass(repr=False)
class Article:
    """One news article as a reader sees it. Dates are ISO 8601 strings (offset kept) or None."""

    url: str
    canonical_url: str | None = None
    portal: str | None = None
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    modified_source: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    body: str | None = None
    images: list[dict[str, Any]] = field(default_factory=list)
    credit: str | None = None
    language: str | None = None
    word_count: int = 0
    crawled_at: str | None = None
    content_hash: str | None = None
    extraction: str | None = None  # which route gave the body: "portal:<version>", "generic"
    # Work in progress between stages, not stored as article fields: the body's paragraphs before
    # the text rules, the date strings as printed ([field, source, text]), and the raw pages
    # (every page of a multi-page article, in order).
    paragraphs: list[str] = field(default_factory=list)
    date_candidates: list[list[str]] = field(default_factory=list)
    pages: list[RawPage] = field(default_factory=list)

    def __repr__(self) -> str:
        """Short: Scrapy logs dropped items, and the raw pages would flood the log."""
        return f"Article(url={self.url!r}, title={self.title!r}, published={self.published!r})"

    def to_dict(self) -> dict[str, Any]:
        """The article's own fields, without the raw page and the pipeline's bookkeeping."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in INTERNAL_FIELDS}


@dataclass
class RawPage:
    """A fetched page as it came over the wire, kept so extraction can be re-run later."""

    url: str
    status: int
    fetched_at: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(repr=False)
class Fetched:
    """What a spider yields for an article: its page(s) as fetched, not yet read.

    The first item pipeline reads it through `newscrawler.page.process_page`, the one path
    every other command takes too, into an Article or a counted drop."""

    request_url: str
    portal: str | None
    pages: list[RawPage] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Fetched(request_url={self.request_url!r}, pages={len(self.pages)})"
