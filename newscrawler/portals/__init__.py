"""Portal descriptions: one YAML file per portal in this folder, read into `Portal` objects.

A description is data, not code: the one spider class and the one `extract` function read it.
Several selector sets (markup generations) may stand side by side; the first that yields a
title and a body wins, so archives of old pages keep parsing after a portal redesigns.
"""

from __future__ import annotations

import difflib
import importlib.resources
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from newscrawler.addresses import url_host
from newscrawler.errors import NewscrawlerError

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


class PortalError(NewscrawlerError):
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
        return owning_domain(url_host(url), self.domains) is not None

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


# What a description that `extends:` another does not take from it: who it is, where its pages
# are listed, and whether it was checked.
NOT_INHERITED = frozenset({"id", "name", "domains", "notes", "verified", "discovery", "extends"})


def yaml_line(text: str, message: str, file_name: str) -> int | None:
    """The line of the top-level field an error message names ("x.yaml.discovery...: ...")."""
    field_name = re.match(rf"{re.escape(file_name)}\.(\w+)", message)
    if not field_name:
        return None
    node = yaml.compose(text)
    for key, _ in getattr(node, "value", ()):
        if getattr(key, "value", None) == field_name.group(1):
            return key.start_mark.line + 1
    return None


def _read_description(path: Path) -> tuple[str, dict[str, Any]]:
    """A description's text and fields; errors name the file and, where they can, the line."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name} line {mark.line + 1}" if mark else path.name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, started = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and started:
            problem += f" ({context} on line {started.line + 1})"
        raise PortalError(f"{where}: not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise PortalError(f"{path.name} line 1: a description is a mapping of fields")
    return text, raw


def _with_base(raw: dict[str, Any], path: Path, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """A description with the fields of the one it `extends:` (a network's sites differ only in
    id, name, domains, time zone and start pages); its own fields win."""
    base_id = raw.get("extends")
    if base_id is None:
        return raw
    base_path = path.parent / f"{base_id}.yaml"
    if base_id in chain or not base_path.is_file():
        problem = "extends in a loop" if base_id in chain else "extends a missing description"
        raise PortalError(f"{path.name}: {problem} {base_id!r}")
    base = _with_base(_read_description(base_path)[1], path, (*chain, str(base_id)))
    inherited = {k: v for k, v in base.items() if k not in NOT_INHERITED}
    return {**inherited, **{k: v for k, v in raw.items() if k != "extends"}}


def load_portal_file(path: Path) -> Portal:
    """One description (with the one it extends); its errors name the file and the line."""
    text, raw = _read_description(path)
    raw = _with_base(raw, path, (path.name.removesuffix(".yaml"),))
    try:
        portal = portal_from_dict(raw, path.name)
    except PortalError as exc:
        line = yaml_line(text, str(exc), path.name)
        field_error = str(exc).removeprefix(f"{path.name}.")
        raise PortalError(f"{path.name} line {line}: {field_error}" if line else str(exc)
                          ) from None
    if portal.id != path.name.removesuffix(".yaml"):
        raise PortalError(f"{path.name}: id {portal.id!r} must match the file name")
    return portal


def portals_dir() -> Path:
    """Where descriptions are read: $NEWSCRAWLER_PORTALS_DIR, else the bundled ones."""
    chosen = os.environ.get("NEWSCRAWLER_PORTALS_DIR")
    return Path(chosen) if chosen else PORTALS_DIR


@cache
def read_portals(directory: Path) -> tuple[dict[str, Portal], dict[str, PortalError]]:
    """The descriptions in `directory` by id, and the broken ones' errors by file stem: one
    broken file is reported (once per process) and the other portals still load."""
    portals: dict[str, Portal] = {}
    broken: dict[str, PortalError] = {}
    for path in sorted((f for f in directory.iterdir() if f.name.endswith(".yaml")),
                       key=lambda f: f.name):
        try:
            portal = load_portal_file(path)
        except (PortalError, OSError, UnicodeDecodeError) as exc:
            error = exc if isinstance(exc, PortalError) else PortalError(f"{path.name}: {exc}")
            broken[path.name.removesuffix(".yaml")] = error
            continue
        portals[portal.id] = portal
    return portals, broken


def load_portals(directory: Path | None = None) -> dict[str, Portal]:
    """All readable descriptions, by id (read once per process)."""
    return read_portals(directory or portals_dir())[0]


def broken_portals(directory: Path | None = None) -> dict[str, PortalError]:
    """Descriptions that could not be read, by id (file stem): what is wrong and where."""
    return read_portals(directory or portals_dir())[1]


def get_portal(portal_id: str) -> Portal:
    """The description of `portal_id`, or an error that says why not (broken, or unknown,
    with the closest id)."""
    portals = load_portals()
    if portal_id in portals:
        return portals[portal_id]
    broken = broken_portals()
    if portal_id in broken:
        raise broken[portal_id]
    close = difflib.get_close_matches(portal_id, portals, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise PortalError(f"no portal description with id {portal_id!r}{hint}; "
                      "`newscrawler portals` lists them")


def owning_domain(host: str, domains: Iterable[str]) -> str | None:
    """The longest of `domains` that `host` is, or is a subdomain of: the one rule of domain
    ownership (portals, canonical URLs, trusted canonical links)."""
    owners = [d for d in domains if host == d or host.endswith("." + d)]
    return max(owners, key=len, default=None)


def portal_for_url(url: str) -> Portal | None:
    """The described portal whose domains own the URL's host (longest domain wins)."""
    return _portal_for_host(portals_dir(), url_host(url))


@lru_cache(maxsize=65_536)  # asked several times per page; bounded for crawls of many hosts
def _portal_for_host(directory: Path, host: str) -> Portal | None:
    owners = {}
    for portal in load_portals(directory).values():
        domain = owning_domain(host, portal.domains)
        if domain is not None:
            owners[domain] = portal
    return owners[max(owners, key=len)] if owners else None
