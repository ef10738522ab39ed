"""The dates stage: choose the published and modified dates among those the page printed.

Sources are tried in the portal's order (default: JSON-LD, meta, <time>, visible text, URL);
the first that `newscrawler.dates` reads with certainty wins and is recorded as the source.
A value stated in UTC is shown in the portal's zone (the same instant, as its readers see it).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from newscrawler.dates import parse_date, to_iso
from newscrawler.items import Article
from newscrawler.portals import DEFAULT_TIMEZONE, Portal

logger = logging.getLogger(__name__)

# "script": a tracker's variable in a page script ("publishDate"), local time.
DEFAULT_SOURCE_ORDER = ("jsonld", "meta", "time", "text", "script", "url")
MACHINE_SOURCES = frozenset({"jsonld", "meta", "time", "script"})
DISAGREEMENT = timedelta(days=1)


def _as_datetime(value: datetime | date) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _parse_all(candidates: list[tuple[str, str]], now: datetime | None, portal_tz
               ) -> dict[str, datetime | date]:
    """The first readable value of each source."""
    parsed: dict[str, datetime | date] = {}
    for source, text in candidates:
        if source in parsed:
            continue
        value = parse_date(text, now, default_tz=portal_tz)
        if value is not None:
            parsed[source] = value
    return parsed


def _choose(parsed: dict[str, datetime | date], order: tuple[str, ...]
            ) -> tuple[datetime | date | None, str | None]:
    """(value, source) of the most trusted readable candidate. A day alone (a URL, a date-only
    meta) gives way to the visible line printing a time on that day."""
    for source in order:
        if source in parsed:
            value, visible = parsed[source], _as_datetime(parsed.get("text"))
            if not isinstance(value, datetime) and visible and visible.date() == value:
                return visible, "text"
            return value, source
    return None, None


def _with_seconds(value: datetime, source: str, parsed: dict[str, datetime | date]
                  ) -> tuple[datetime, str]:
    """A visible line shows minutes; a machine date of the very same minute (same wall clock
    and offset) may give its seconds: "Rabu, 17 Juni 2020 11:36" and "2020-06-17 11:36:30"."""
    if source != "text":
        return value, source
    for machine in MACHINE_SOURCES & parsed.keys():
        exact = _as_datetime(parsed[machine])
        if exact and exact.second and exact.utcoffset() == value.utcoffset() and (
                exact.replace(second=0, microsecond=0) == value.replace(second=0, microsecond=0)):
            return exact, machine
    return value, source


def _in_portal_zone(value: datetime | date, portal_tz) -> datetime | date:
    if isinstance(value, datetime) and value.utcoffset() == timedelta(0):
        return value.astimezone(portal_tz)
    return value


def _mislabelled_local(chosen: datetime, shown: datetime) -> datetime | None:
    """The metadata's wall-clock time in the page's zone, when the metadata says UTC (or some
    other offset) but shows the very time the page's date line prints in local time: old detik
    `pubdate` "2015-11-05 T10:08:58Z" under "Kamis, 05/11/2015 10:08 WIB". The metadata keeps
    its seconds; its label was wrong."""
    if chosen.utcoffset() == shown.utcoffset():
        return None
    wall, local = chosen.replace(tzinfo=None), shown.replace(tzinfo=None)
    if wall.replace(second=0, microsecond=0) == local.replace(second=0, microsecond=0):
        return wall.replace(tzinfo=shown.tzinfo)
    return None


def resolve_dates(article: Article, now: datetime | None = None, portal: Portal | None = None):
    """Set `published`/`modified` (ISO 8601) and their sources from `article.date_candidates`."""
    from zoneinfo import ZoneInfo

    portal_tz = portal.tz if portal else ZoneInfo(DEFAULT_TIMEZONE)
    order = tuple(portal.date_sources) if portal and portal.date_sources else DEFAULT_SOURCE_ORDER
    for field_name in ("published", "modified"):
        candidates = [(s, t) for f, s, t in article.date_candidates if f == field_name]
        parsed = _parse_all(candidates, now, portal_tz)
        value, source = _choose(parsed, order)
        if value is None:
            continue
        if isinstance(value, datetime):
            value, source = _with_seconds(value, source, parsed)
        chosen, shown = _as_datetime(value), _as_datetime(parsed.get("text"))
        relabelled = chosen and shown and source != "text" and _mislabelled_local(chosen, shown)
        value = relabelled or _in_portal_zone(value, portal_tz)
        chosen = _as_datetime(value)
        if source != "text" and chosen and shown and abs(chosen - shown) > DISAGREEMENT:
            logger.warning("%s: %s %s (%s) disagrees with the page's date line %s",
                           article.url, field_name, chosen.isoformat(), source, shown.isoformat())
        setattr(article, field_name, to_iso(value))
        setattr(article, f"{field_name}_source", source)
    return article
