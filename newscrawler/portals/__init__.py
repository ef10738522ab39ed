"""Portal descriptions: one YAML file per portal in this folder, read into `Portal` objects.

A description is data, not code: the one spider class and the one `extract` function read it.
Several selector sets (markup generations) may stand side by side; the first that yields a
title and a body wins, so archives of old pages keep parsing after a portal redesigns.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from newscrawler.addresses import url_host

# A package resource, so descriptions load from a zipped egg too (scrapyd deploys one).
PORTALS_DIR = importlib.resources.files(__name__)
DEFAULT_TIMEZONE = "Asia/Jakarta"
# Used when a description names no article URL pattern: a slug of three or more words.
GENERIC_ARTICLE_URL = re.compile(
    r"/[^/?#]*[a-z0-9]+-[a-z0-9]+-[a-z0-9]+[^/?#]*/?(?:[?#].*)?$", re.I
)
SELECTOR_FIELDS = (
    "title", "published", "modified", "body", "authors", "tags", "section", "description",
    "credit",
)


class PortalError(ValueError):
    """A description that cannot be used as written."""


@dataclass(frozen=True)
class SelectorSet:
    """CSS selectors (parsel syntax, `::text` / `::attr(x)` allowed) for one markup generation.

    Each field holds a list of selectors tried in order; `remove` lists elements cut from the body
    before its text is read.
    """

    version: str
    fields: dict[str, tuple[str, ...]]
    remove: tuple[str, ...] = ()

    def get(self, name: str) -> tuple[str, ...]:
        return self.fields.get(name, ())


@dataclass(frozen=True)
class Multipage:
    """How the rest of a paginated article is reached.

    `all_pages` is a URL template giving the whole article on one page ("{url}?page=all");
    `next_page` is a selector for the link to the next page, followed until it runs out.
    """

    all_pages: str | None = None
    next_page: str | None = None
    max_pages: int = 50

    def single_page_url(self, url: str) -> str | None:
        if not self.all_pages:
            return None
        base = url.split("#", 1)[0]
        if "{url_no_query}" in self.all_pages:
            return self.all_pages.format(url_no_query=base.split("?", 1)[0])
        return self.all_pages.format(url=base)


@dataclass(frozen=True)
class Discovery:
    start_urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    index_by_date: str | None = None  # URL template with {date:%Y-%m-%d}-style fields
    follow: tuple[str, ...] = ()  # regexes of listing pages worth following from start pages


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    domains: tuple[str, ...]
    language: str = "id"
    timezone: str = DEFAULT_TIMEZONE
    verified: bool = False
    notes: str | None = None
    title_suffixes: tuple[str, ...] = ()
    discovery: Discovery = field(default_factory=Discovery)
    article_allow: tuple[re.Pattern[str], ...] = ()
    article_deny: tuple[re.Pattern[str], ...] = ()
    selectors: tuple[SelectorSet, ...] = ()
    boilerplate: dict[str, Any] = field(default_factory=dict)
    canonical: dict[str, Any] = field(default_factory=dict)  # URL rules, read by newscrawler.urls
    multipage: Multipage = field(default_factory=Multipage)
    # Where dates are trusted first; default jsonld, meta, time, text, url. A portal whose
    # metadata lies (e.g. local time labelled "Z") puts "text" first.
    date_sources: tuple[str, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def owns(self, url: str) -> bool:
        host = url_host(url)
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def is_article_url(self, url: str) -> bool:
        """True when the URL looks like one of this portal's articles (by its description)."""
        if any(p.search(url) for p in self.article_deny):
            return False
        if not self.article_allow:
            return bool(GENERIC_ARTICLE_URL.search(url))
        return any(p.search(url) for p in self.article_allow)


def string_list(value: Any, where: str) -> tuple[str, ...]:
    """A description field holding one string or a list of them, as a tuple (error names it)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PortalError(f"{where}: expected a string or a list of strings, got {value!r}")


def _regexes(value: Any, where: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in string_list(value, where))
    except re.error as exc:
        raise PortalError(f"{where}: bad regular expression: {exc}") from exc


def _selector_set(raw: dict[str, Any], where: str) -> SelectorSet:
    unknown = set(raw) - {*SELECTOR_FIELDS, "version", "remove"}
    if unknown:
        raise PortalError(f"{where}: unknown selector fields {sorted(unknown)}")
    fields = {name: string_list(raw.get(name), f"{where}.{name}") for name in SELECTOR_FIELDS}
    return SelectorSet(
        version=str(raw.get("version", "default")),
        fields={k: v for k, v in fields.items() if v},
        remove=string_list(raw.get("remove"), f"{where}.remove"),
    )


def portal_from_dict(raw: dict[str, Any], source: str = "<dict>") -> Portal:
    """Build a Portal from a parsed description, with errors that name the file and the field."""
    for required in ("id", "name", "domains"):
        if required not in raw:
            raise PortalError(f"{source}: missing required field {required!r}")
    disc = raw.get("discovery") or {}
    urls = raw.get("article_urls") or {}
    multipage = raw.get("multipage") or {}
    timezone = raw.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(timezone)
    except Exception as exc:
        raise PortalError(f"{source}: unknown timezone {timezone!r}") from exc
    return Portal(
        id=str(raw["id"]),
        name=str(raw["name"]),
        domains=tuple(d.lower() for d in string_list(raw["domains"], f"{source}.domains")),
        language=raw.get("language", "id"),
        timezone=timezone,
        verified=bool(raw.get("verified", False)),
        notes=raw.get("notes"),
        title_suffixes=string_list(raw.get("title_suffixes"), f"{source}.title_suffixes"),
        discovery=Discovery(
            start_urls=string_list(disc.get("start_urls"), f"{source}.discovery.start_urls"),
            sitemaps=string_list(disc.get("sitemaps"), f"{source}.discovery.sitemaps"),
            feeds=string_list(disc.get("feeds"), f"{source}.discovery.feeds"),
            index_by_date=disc.get("index_by_date"),
            follow=string_list(disc.get("follow"), f"{source}.discovery.follow"),
        ),
        article_allow=_regexes(urls.get("allow"), f"{source}.article_urls.allow"),
        article_deny=_regexes(urls.get("deny"), f"{source}.article_urls.deny"),
        selectors=tuple(
            _selector_set(s, f"{source}.selectors[{i}]")
            for i, s in enumerate(raw.get("selectors") or [])
        ),
        boilerplate=raw.get("boilerplate") or {},
        canonical=raw.get("canonical") or {},
        multipage=Multipage(
            all_pages=multipage.get("all_pages"),
            next_page=multipage.get("next_page"),
            max_pages=int(multipage.get("max_pages", 50)),
        ),
        date_sources=string_list(raw.get("date_sources"), f"{source}.date_sources"),
    )


def load_portal_file(path: Path) -> Portal:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PortalError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PortalError(f"{path.name}: a description is a mapping of fields")
    portal = portal_from_dict(raw, path.name)
    if portal.id != path.name.removesuffix(".yaml"):
        raise PortalError(f"{path.name}: id {portal.id!r} must match the file name")
    return portal


@cache
def load_portals(directory: Path = PORTALS_DIR) -> dict[str, Portal]:
    """All descriptions in `directory`, by id (cached: the files are read once per process)."""
    files = sorted((f for f in directory.iterdir() if f.name.endswith(".yaml")),
                   key=lambda f: f.name)
    return {p.id: p for p in map(load_portal_file, files)}


def get_portal(portal_id: str) -> Portal:
    try:
        return load_portals()[portal_id]
    except KeyError:
        raise PortalError(f"no portal description with id {portal_id!r}") from None


def portal_for_url(url: str) -> Portal | None:
    """The described portal whose domains own the URL's host (longest domain wins)."""
    host = url_host(url)
    best: tuple[int, Portal] | None = None
    for portal in load_portals().values():
        for domain in portal.domains:
            if (host == domain or host.endswith("." + domain)) and (
                best is None or len(domain) > best[0]
            ):
                best = (len(domain), portal)
    return best[1] if best else None
