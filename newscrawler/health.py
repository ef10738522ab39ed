"""Portal health: how many of a run's articles came with each field, against recent runs.

A portal that changes its markup rarely breaks a crawl: its selectors just stop matching, and
articles arrive without a date or an author, or read by the generic extractor. Counting, per
run, the share of articles that have each field, and comparing it with the portal's recent
runs, turns that silent rot into a `degraded` run ("published 98% -> 12%").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Field -> what an article must have for it to count.
HEALTH_FIELDS = ("title", "published", "body", "authors", "tags", "selectors")
GENERIC_EXTRACTION = "generic"


def published_to_the_minute(value: str | None) -> bool:
    """An ISO date-time with at least hours and minutes ("2020-11-25T14:30..."), not a day."""
    return bool(value) and len(value) >= 16 and value[10] == "T" and value[13] == ":"


def article_health(article: Any) -> dict[str, bool]:
    """Which of the health fields the article has (`selectors`: read by the portal's own)."""
    extraction = getattr(article, "extraction", None) or ""
    return {
        "title": bool(getattr(article, "title", None)),
        "published": published_to_the_minute(getattr(article, "published", None)),
        "body": bool(getattr(article, "body", None)),
        "authors": bool(getattr(article, "authors", None)),
        "tags": bool(getattr(article, "tags", None)),
        "selectors": not extraction.startswith(GENERIC_EXTRACTION),
    }


def baseline(recent: Iterable[Mapping[str, Any]], min_articles: int) -> dict[str, float]:
    """The mean share of each field over recent runs that read enough articles to judge by."""
    runs = [r for r in recent if (r.get("health_articles") or 0) >= min_articles]
    if not runs:
        return {}
    return {name: sum(float(r.get(f"{name}_share") or 0.0) for r in runs) / len(runs)
            for name in HEALTH_FIELDS}


def drops(shares: Mapping[str, float], usual: Mapping[str, float],
          max_drop: float) -> list[str]:
    """Fields whose share fell by more than `max_drop` against the usual: "published 98% → 12%"."""
    return [f"{name} {usual[name]:.0%} → {shares[name]:.0%}" for name in HEALTH_FIELDS
            if name in usual and name in shares and usual[name] - shares[name] > max_drop]
