"""Benchmark newscrawler.dates.parse_date against dateparser on the date corpus.

Run as `python bench/dates.py`. Every string of tests/data/dates_corpus.tsv goes through
`parse_date(text, now, default_tz=tz)` and through `dateparser.parse(text, languages=["id"])`
with RELATIVE_BASE = now (as wall-clock time in tz), TIMEZONE = tz and timezone-aware
results, so both see the same information.

The corpus holds strings of the known families. A string outside them goes to dateparser
inside parse_date and costs about what dateparser costs (a millisecond); those are tested in
tests/test_dates.py, not timed here.

Timing: one untimed warm-up pass each (dateparser loads its language data on first use),
then several timed passes over the whole corpus; microseconds per string are reported as the
best and the median pass. `speedup` is dateparser's median over parse_date's median.

Exactness:
- parse_date is held to the strict rule the tests use: `to_iso(value)` equals the expected
  text exactly, so a date must be a `date`, and a datetime must carry the same offset.
- dateparser always returns datetimes, so it gets a lenient rule: expected NONE needs None;
  an expected date needs a value whose calendar date (in its own zone) is that date, at any
  time of day; an expected datetime needs an aware value at the same instant and with the
  same UTC offset, both compared to the minute (relative forms keep now's seconds in
  dateparser, and "14:30 WITA" must stay +08:00, not become 13:30+07:00).
- `agree` is the share of strings where dateparser's value passes the lenient rule against
  parse_date's own answer.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dateparser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawler.dates import JAKARTA, parse_date, to_iso  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "dates_corpus.tsv"
PARSE_DATE_PASSES = 50
DATEPARSER_PASSES = 3

Value = datetime | date | None


def load_rows() -> list[tuple[str, datetime | None, ZoneInfo, str, str]]:
    """(text, now, tz, expected, family) for every corpus row."""
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    rows = []
    for line in filter(None, lines[1:]):
        text, now, tz, expected, family = line.split("\t")
        zone = ZoneInfo(tz) if tz else JAKARTA
        rows.append((text, datetime.fromisoformat(now) if now else None, zone, expected, family))
    return rows


def dateparser_call(text: str, now: datetime | None, tz: ZoneInfo) -> Callable[[], Value]:
    """A zero-argument call of dateparser with the same now and zone parse_date gets."""
    settings: dict[str, object] = {"TIMEZONE": tz.key, "RETURN_AS_TIMEZONE_AWARE": True}
    if now is not None:
        try:
            local_now = now.astimezone(tz) if now.tzinfo else now
        except OverflowError:  # a bogus now (year 9999) that dateparser cannot take at all
            return lambda: None
        settings["RELATIVE_BASE"] = local_now.replace(tzinfo=None)
    return lambda: dateparser.parse(text, languages=["id"], settings=settings)


def parse_date_call(text: str, now: datetime | None, tz: ZoneInfo) -> Callable[[], Value]:
    """A zero-argument call of parse_date."""
    return lambda: parse_date(text, now, default_tz=tz)


def time_passes(calls: list[Callable[[], Value]], passes: int) -> list[float]:
    """Microseconds per string for each timed pass over all calls.

    The garbage collector is paused while timing, as timeit does, so that a collection
    triggered by the other parser's garbage is not billed to this one.
    """
    per_string = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(passes):
            started = time.perf_counter()
            for call in calls:
                call()
            per_string.append((time.perf_counter() - started) / len(calls) * 1e6)
    finally:
        gc.enable()
    return per_string


def strictly_equal(value: Value, expected: str) -> bool:
    """parse_date's rule: the ISO text is exactly the expected text (NONE for None)."""
    return (to_iso(value) or "NONE") == expected


def leniently_equal(value: Value, expected: str) -> bool:
    """dateparser's rule, documented in the module docstring."""
    if expected == "NONE" or value is None:
        return expected == "NONE" and value is None
    if "T" not in expected:
        return value.isoformat()[:10] == expected
    wanted = datetime.fromisoformat(expected)
    if not isinstance(value, datetime) or value.utcoffset() != wanted.utcoffset():
        return False
    return value.replace(second=0, microsecond=0) == wanted.replace(second=0, microsecond=0)


def main() -> None:
    """Run both parsers over the corpus, print a table, then the JSON summary line."""
    rows = load_rows()
    ours = [parse_date_call(text, now, tz) for text, now, tz, _, _ in rows]
    theirs = [dateparser_call(text, now, tz) for text, now, tz, _, _ in rows]

    our_values = [call() for call in ours]
    their_values = [call() for call in theirs]
    our_times = time_passes(ours, PARSE_DATE_PASSES)
    their_times = time_passes(theirs, DATEPARSER_PASSES)

    expected = [row[3] for row in rows]
    our_exact = [strictly_equal(v, e) for v, e in zip(our_values, expected, strict=True)]
    their_exact = [leniently_equal(v, e) for v, e in zip(their_values, expected, strict=True)]
    agree = [
        leniently_equal(theirs_value, to_iso(ours_value) or "NONE")
        for ours_value, theirs_value in zip(our_values, their_values, strict=True)
    ]

    print_family_table(rows, our_exact, their_exact)
    our_median, their_median = statistics.median(our_times), statistics.median(their_times)
    print(f"\nparse_date  best {min(our_times):8.2f} us  median {our_median:8.2f} us per string")
    print(f"dateparser  best {min(their_times):8.2f} us  median {their_median:8.2f} us per string")
    summary = {
        "strings": len(rows),
        "parse_date_us": round(our_median, 2),
        "dateparser_us": round(their_median, 2),
        "speedup": round(their_median / our_median, 1),
        "agree": round(sum(agree) / len(rows), 4),
        "parse_date_exact": round(sum(our_exact) / len(rows), 4),
        "dateparser_exact": round(sum(their_exact) / len(rows), 4),
    }
    print(json.dumps(summary))


def print_family_table(rows: list, our_exact: list[bool], their_exact: list[bool]) -> None:
    """Exact matches per family for both parsers."""
    families = sorted({row[4] for row in rows})
    print(f"{'family':10} {'strings':>7} {'parse_date':>11} {'dateparser':>11}")
    for family in families:
        picks = [i for i, row in enumerate(rows) if row[4] == family]
        ours = sum(our_exact[i] for i in picks)
        theirs = sum(their_exact[i] for i in picks)
        print(f"{family:10} {len(picks):7d} {ours:11d} {theirs:11d}")
    print(f"{'total':10} {len(rows):7d} {sum(our_exact):11d} {sum(their_exact):11d}")


if __name__ == "__main__":
    main()
