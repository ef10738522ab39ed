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

DEFAULT_SOURCE_ORDER = ("jsonld", "meta", "time", "text", "url")
DISAGREEMENT = timedelta(days=1)


def _as_datetime(value: datetime | date) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _choose(
    candidates: list[tuple[str, str]], order: tuple[str, ...], now: datetime | None, portal_tz
) -> tuple[datetime | date | None, str | None, datetime | date | None]:
    """(value, source, visible text value) of the most trusted readable candidate."""
    parsed: dict[str, datetime | date] = {}
    for source, text in candidates:
        if source in parsed:
            continue
        value = parse_date(text, now, default_tz=portal_tz)
        if value is not None:
            parsed[source] = value
    for source in order:
        if source in parsed:
            return parsed[source], source, parsed.get("text")
    return None, None, None


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
        value, source, visible = _choose(candidates, order, now, portal_tz)
        if value is None:
            continue
        chosen, shown = _as_datetime(value), visible and _as_datetime(visible)
        relabelled = chosen and shown and source != "text" and _mislabelled_local(chosen, shown)
        value = relabelled or _in_portal_zone(value, portal_tz)
        chosen = _as_datetime(value)
        if source != "text" and chosen and shown and abs(chosen - shown) > DISAGREEMENT:
            logger.warning("%s: %s %s (%s) disagrees with the page's date line %s",
                           article.url, field_name, chosen.isoformat(), source, shown.isoformat())
        setattr(article, field_name, to_iso(value))
        setattr(article, f"{field_name}_source", source)
    return article
