"""Indonesian date normaliser.

Portals print publication dates in dozens of shapes ("Rabu, 25 Nov 2020 20:41 WIB",
"Kompas.com - 25/11/2020, 14:30 WIB", "2 jam yang lalu", RFC 822 feeds, ISO meta tags).
`parse_date` reads them with a handful of regexes compiled once at import, which is two to
three orders of magnitude faster than dateparser; dateparser is imported lazily and used only
for strings outside the known families, and only when its answer can be checked against the
text. The rule throughout is: a wrong date is worse than no date, so anything uncertain gives
None.

Decisions worth knowing:
- An aware datetime when a time is printed, a plain `date` when only a date is.
- A stated zone (WIB/WITA/WIT, GMT+7, +07:00, Z, UTC) is kept as a fixed offset, never
  converted; with no zone the portal's `default_tz` applies.
- Numeric dates are day/month/year (Indonesian order); year-first only with a 4-digit year.
- Several dates in one string: a date preceded by an update label ("Diperbarui", "Updated")
  loses to any other date, so the published date wins; among the rest the first date that
  carries a time wins, else the first date.
- Years outside 1900-2100 (e.g. a Hijri "1442" beside the Gregorian date) are not dates.
- Relative forms resolve against `now`: seconds, minutes and hours give a datetime truncated to
  the minute in now's zone; days, weeks, months and years ("kemarin", "3 hari lalu",
  "2 bulan lalu", "setahun lalu") give the calendar date in `default_tz`, the portal's
  calendar (a month back from 31 March is the last day of February).
- Forms that omit part of the date resolve against `now` too: a time alone ("08:15 WIB", as
  index pages print today's articles) is today at that time, or yesterday when today's would
  be more than an hour ahead of `now`; a day without a year after its weekday
  ("Senin (15/2)") is the latest such day not after `now`, and None when that day is not the
  named weekday.
- Every answer is a date between 1900 and 2100 and not after `now` + 1 day: an absolute date in
  the future, "9999 minggu lalu" or a bogus `now` give None. Zero-width characters are ignored.
- Input: None gives None, any other non-str raises TypeError; only the first 300 characters
  are scanned, so junk of any length stays cheap.
"""

from __future__ import annotations

import argparse
import re
import sys
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")

MAX_SCAN = 300  # characters scanned: date fields are short, and junk input stays cheap

MIN_YEAR, MAX_YEAR = 1900, 2100

MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agst": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

_UTC = timezone.utc
_NAMED_ZONES: dict[str, tzinfo | None] = {
    "wib": timezone(timedelta(hours=7)),
    "wita": timezone(timedelta(hours=8)),
    "wit": timezone(timedelta(hours=9)),
    "z": _UTC, "utc": _UTC, "gmt": _UTC,
    # RFC 822 and neighbouring zones; None marks abbreviations used for several offsets.
    "est": timezone(timedelta(hours=-5)), "edt": timezone(timedelta(hours=-4)),
    "pst": timezone(timedelta(hours=-8)), "pdt": timezone(timedelta(hours=-7)),
    "mst": timezone(timedelta(hours=-7)), "mdt": timezone(timedelta(hours=-6)),
    "cdt": timezone(timedelta(hours=-5)), "cet": timezone(timedelta(hours=1)),
    "cest": timezone(timedelta(hours=2)), "jst": timezone(timedelta(hours=9)),
    "kst": timezone(timedelta(hours=9)), "sgt": timezone(timedelta(hours=8)),
    "myt": timezone(timedelta(hours=8)), "hkt": timezone(timedelta(hours=8)),
    "pht": timezone(timedelta(hours=8)), "awst": timezone(timedelta(hours=8)),
    "aest": timezone(timedelta(hours=10)), "aedt": timezone(timedelta(hours=11)),
    "cst": None, "ist": None, "bst": None,
}  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"

# One search finds the next calendar date of any family; the leftmost wins. The leading
# lookahead lets the engine skip characters that can start no date (halves the cost).
_DATE = re.compile(
    rf"""
    (?=[\dadfjmnops])(?:
    (?<!\d)(?:
        (?P<iso_y>\d{{4}})(?P<iso_sep>[-/.])(?P<iso_m>\d{{1,2}})(?P=iso_sep)(?P<iso_d>\d{{1,2}})
        (?!\d)
      | (?<!\d[./-])(?P<num_d>\d{{1,2}})(?P<num_sep>[-/.])(?P<num_m>\d{{1,2}})(?P=num_sep)
        (?P<num_y>\d{{4}}|\d{{2}})(?!\d|[./-]\d)
      | (?<![a-z])(?P<dmy_d>\d{{1,2}}){_ORDINAL}(?:\s+of)?[\s.,/-]*(?P<dmy_m>{_MONTH})\.?(?![a-z])
        [\s.,/-]*(?P<dmy_y>\d{{4}}|\d{{2}})(?!\d|[:.]\d)
    )
  | (?<![a-z])(?P<mdy_m>{_MONTH})\.?(?![a-z])[\s.,]*(?P<mdy_d>\d{{1,2}}){_ORDINAL}(?!\d)
    (?P<inner_time>\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s+[a-z]{{3,4}})?)?  # asctime, Java
    \s*,?\s*(?P<mdy_y>\d{{4}})(?!\d)
    )
    """,
    re.VERBOSE,
)

_COMPACT = re.compile(
    r"\s*(\d{4})(\d{2})(\d{2})(?:t(\d{2})(\d{2})(\d{2})?(?P<zone>z|[+-]\d{2}:?\d{2})?)?\s*",
)

_ZONE = r"""
    (?:\s*\(?\s*(?:
        (?:gmt|utc)\s*(?P<gmt_sign>[+-])\s*(?P<gmt_h>\d{1,2})(?::?(?P<gmt_m>\d{2}))?(?!\d)
      | (?P<named>wita|wit|wib|z|utc|gmt|[a-z]{3,4})(?![a-z])
      | (?P<off_sign>[+-])(?P<off_h>\d{2})(?::?(?P<off_m>\d{2}))?(?!\d)
    ))?
"""

_LABEL = r"(?:(?P<label>pukul|pkl|jam|at|pada|waktu)\b\.?[\s:]*)*"

_CLOCK = rf"""
    (?:
        (?P<hour>\d{{1,2}})(?P<sep>\s*:\s*|\.)(?P<minute>\d{{2}})
        (?:(?:\s*:\s*|\.)(?P<second>\d{{2}})(?:[.,]\d+)?)?(?!\d)
      | (?(label)(?P<bare_hour>\d{{1,2}})(?![\d:.])|(?!))  # "pukul 14": a bare hour needs a label
    )
    (?:\s*(?P<ampm>[ap])\.?m\b\.?)?
    (?:\s*(?P<period>pagi|siang|sore|malam|dini\s+hari)\b)?
    {_ZONE}
"""

_FILLER = r"(?:[\s,|/()\[\]\u2013\u2014\u2022\u00b7@:-]|&nbsp;|t(?=\d))*"

_WORD_AFTER = re.compile(r"\s*\w")
_TIME_AFTER = re.compile(_FILLER + _LABEL + _CLOCK, re.VERBOSE)
_TIME_BEFORE = re.compile(
    r"(?<![\d.:])"
    + _LABEL
    + _CLOCK
    + r"[\s,|/()\u2013\u2014\u2022\u00b7-]*(?:[a-z'\u2019]+\.?[\s,|/()-]*){0,2}$",
    re.VERBOSE,
)
_TIME_ANYWHERE = re.compile(r"(?<![\d.:])" + _LABEL + _CLOCK, re.VERBOSE)

_UPDATE_LABEL = re.compile(
    r"diperbarui|diupdate|pembaruan|update|modified|diubah|revisi|edited|last\s+mod"
)

_RELATIVE_UNITS = (
    r"detik|dtk|menit|mnt|jam|hari|minggu|pekan|bulan|tahun"
    r"|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?"
)
_RELATIVE = re.compile(
    rf"""
    (?P<just_now>baru\s+saja|barusan|just\s+now|beberapa\s+detik\s+(?:yang\s+|yg\s+)?lalu
      |(?:a\s+)?(?:few\s+)?seconds\s+ago|a\s+moment\s+ago|moments\s+ago)
  | (?P<ago>(?:(?<![a-z\d])(?:\d{{1,4}}|se|an?|one|satu)\s*(?:{_RELATIVE_UNITS})(?![a-z])
        \s*,?\s*(?:dan\s+|and\s+)?)+)(?:yang\s+|yg\s+)?(?:lalu|ago)(?![a-z])
  | (?<![a-z])(?P<day>kemarin\s+lusa|kemarin|yesterday|hari\s+ini|today)(?![a-z])
    """,
    re.VERBOSE,
)
_RELATIVE_GATE = re.compile("lalu|ago|kemarin|yesterday|hari ini|today|baru|just")
_RELATIVE_PART = re.compile(rf"(\d+|se|an?|one|satu)\s*({_RELATIVE_UNITS})")

_MINUTE_UNITS = {
    "detik": 1, "dtk": 1, "second": 1, "seconds": 1, "sec": 1, "secs": 1,
    "menit": 60, "mnt": 60, "minute": 60, "minutes": 60, "min": 60, "mins": 60,
    "jam": 3600, "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600,
}  # fmt: skip
_DAY_UNITS = {
    "hari": 1, "day": 1, "days": 1,
    "minggu": 7, "pekan": 7, "week": 7, "weeks": 7,
}  # fmt: skip
_MONTH_UNITS = {"bulan": 1, "month": 1, "months": 1, "tahun": 12, "year": 12, "years": 12}
FUTURE_SLACK = timedelta(days=1)  # a portal's clock or zone may run ahead of ours, not more
TIME_ONLY_SLACK = timedelta(hours=1)  # "08:15" read at 08:00: today's, not yesterday's
_YEAR_AT_START = datetime.now(_UTC).year  # clocks only move forward: earlier years are past
_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")

WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY_WITHOUT_YEAR = re.compile(
    rf"""(?<![a-z])(?P<weekday>{_WEEKDAY})(?![a-z'])[\s,]*\(?\s*(?:
        (?P<num_d>\d{{1,2}})(?P<sep>[-/.])(?P<num_m>\d{{1,2}})(?![\d]|[-/.]\d)
      | (?P<dmy_d>\d{{1,2}})\s+(?P<dmy_m>{_MONTH})\.?(?![a-z])(?![\s.,/-]*\d{{4}})
    )\s*\)?""",
    re.VERBOSE,
)
_TIME_ONLY = re.compile(_FILLER + _LABEL + _CLOCK + r"[\s|,.)-]*", re.VERBOSE)
_DAYS_BACK = {"kemarin lusa": 2, "kemarin": 1, "yesterday": 1, "hari ini": 0, "today": 0}

_FALLBACK_MONTH = re.compile(rf"(?<![a-z])({_MONTH})(?![a-z])")
_FALLBACK_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DAY_AFTER_MONTH = re.compile(r"\.?[\s,]*(\d{1,2})(?![\d:.])")
_DAY_BEFORE_MONTH = re.compile(r"(?<![a-z\d])(\d{1,2})[\s.,]*$")


class _NotADate(ValueError):
    """Raised for impossible calendar or clock values: the whole string reads as None."""


def parse_date(
    text: str | None, now: datetime | None = None, *, default_tz: tzinfo = JAKARTA
) -> datetime | date | None:
    """An aware datetime when `text` has a time, a date when it has only a date, else None.

    `now` anchors relative forms ("2 jam lalu"); a naive `now` is taken to be in `default_tz`.
    None as `text` gives None (a selector found nothing); any other non-str is a TypeError.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"parse_date expects str, not {type(text).__name__}")
    low = text[:MAX_SCAN].lower()
    if not low.isascii() and _ZERO_WIDTH.search(low):
        low = _ZERO_WIDTH.sub("", low)
    try:
        found = _parse_absolute(low, default_tz)
        if found is None:
            found = _parse_compact(low, default_tz)
        if found is None:
            found = _parse_relative(low, now, default_tz)
        if found is None:
            found = _parse_partial(low, now, default_tz)
        if found is None:
            found = _parse_with_dateparser(low, default_tz)
        if found is None or not _plausible(found, now, default_tz):
            return None
    except (_NotADate, OverflowError):
        return None
    return found


def _plausible(value: datetime | date, now: datetime | None, default_tz: tzinfo) -> bool:
    """Within 1900-2100 and not after `now` + 1 day: an article is not published later."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return False
    if now is not None and not MIN_YEAR <= now.year <= MAX_YEAR:
        now = None  # a bogus clock (a server set to 9999) bounds nothing: the real one does
    if value.year < (_YEAR_AT_START if now is None else now.year):
        return True  # an earlier year is in the past whatever the zones (the cheap answer)
    now = _aware_now(now, default_tz)
    if isinstance(value, datetime):
        return value - FUTURE_SLACK <= now
    return value - FUTURE_SLACK <= now.astimezone(default_tz).date()


def _parse_absolute(low: str, default_tz: tzinfo) -> datetime | date | None:
    """The published date among the calendar dates in `low`, or None if it has none."""
    first_published: datetime | date | None = None
    first_update: datetime | date | None = None
    pos = prev_end = 0
    while (match := _DATE.search(low, pos)) is not None:
        day = _day_from_match(match)
        if day is None:
            pos = match.end()
            continue
        value, pos = _attach_time(low, day, match, prev_end, default_tz)
        if _UPDATE_LABEL.search(low, prev_end, match.start()):
            first_update = value if first_update is None else first_update
        elif isinstance(value, datetime):
            return value
        else:
            first_published = value if first_published is None else first_published
        prev_end = pos
    return first_update if first_published is None else first_published


def _day_from_match(match: re.Match[str]) -> date | None:
    """The calendar day a `_DATE` match names; None when it is not a Gregorian date."""
    family = match.lastgroup  # the group closed last tells which alternative matched
    if family == "iso_d":
        year, month, day = match.group("iso_y", "iso_m", "iso_d")
    elif family == "num_y":
        day, month, year, separator = match.group("num_d", "num_m", "num_y", "num_sep")
        if separator == "." and len(year) == 2:
            return None  # "14.30.05" is a clock, not a date
    elif family == "dmy_y":
        day, month, year = match.group("dmy_d", "dmy_m", "dmy_y")
        month = MONTHS[month]
    else:
        month, day, year = match.group("mdy_m", "mdy_d", "mdy_y")
        month = MONTHS[month]
    full_year = int(year)
    if len(year) == 2:  # POSIX pivot: 69-99 -> 19xx, 00-68 -> 20xx
        full_year += 1900 if full_year >= 69 else 2000
    if not MIN_YEAR <= full_year <= MAX_YEAR:
        return None
    return _calendar_day(full_year, int(month), int(day))


def _calendar_day(year: int, month: int, day: int) -> date:
    """`date(year, month, day)`, raising `_NotADate` for 31/02 and friends."""
    try:
        return date(year, month, day)
    except ValueError as error:
        raise _NotADate(str(error)) from None


def _attach_time(
    low: str, day: date, match: re.Match[str], prev_end: int, default_tz: tzinfo
) -> tuple[datetime | date, int]:
    """Combine `day` with the time printed right after it (or right before it).

    Returns the value and the position where scanning for the next date resumes.
    """
    clock_at = match.end()
    if match.lastgroup == "mdy_y" and match["inner_time"]:
        clock_at = match.start("inner_time")  # "Nov 25 20:41:00 2020": time before the year
    timed = _TIME_AFTER.match(low, clock_at)
    if timed is not None and (moment := _at_clock(day, timed, default_tz)) is not None:
        return moment, max(timed.end(), match.end())
    before = _TIME_BEFORE.search(low, prev_end, match.start())
    if before is not None and (moment := _at_clock(day, before, default_tz)) is not None:
        return moment, match.end()
    return day, match.end()


def _at_clock(day: date, timed: re.Match[str], default_tz: tzinfo) -> datetime | None:
    """`day` at the time matched, in the stated zone or `default_tz`.

    None when the match is an amount rather than a clock reading ("3.45 juta").
    """
    # One groups() call: the time patterns share this group order (label first).
    (_label, hour, separator, minute, second, bare_hour, ampm, period,
     gmt_sign, gmt_h, gmt_m, named, off_sign, off_h, off_m) = timed.groups()  # fmt: skip
    if hour is None:
        hour = bare_hour  # the pattern allows a bare hour only after a label
    elif separator == "." and len(hour) == 1 and _reads_as_amount(timed):
        return None
    zone = _NAMED_ZONES.get(named, default_tz) if named else default_tz
    if zone is None:
        raise _NotADate(f"ambiguous zone {named!r}")
    if gmt_sign:
        zone = _fixed_offset(gmt_sign, int(gmt_h), int(gmt_m or 0))
    elif off_sign:
        zone = _fixed_offset(off_sign, int(off_h), int(off_m or 0))
    hour_24 = _hour_24(int(hour), ampm, period) if ampm or period else int(hour)
    minute_value, second_value = int(minute or 0), int(second or 0)
    if hour_24 > 23 or minute_value > 59 or second_value > 59:
        raise _NotADate(f"no such time {hour_24}:{minute_value}:{second_value}")
    return datetime(day.year, day.month, day.day, hour_24, minute_value, second_value, tzinfo=zone)


def _reads_as_amount(timed: re.Match[str]) -> bool:
    """Whether a dotted one-digit-hour "time" is an amount: nothing marks it as a clock
    (label, AM/PM, day period, zone) and a word follows it, as in "3.45 juta"."""
    label, ampm, period, gmt_sign, named, off_sign = timed.group(
        "label", "ampm", "period", "gmt_sign", "named", "off_sign"
    )
    if label or ampm or period or gmt_sign or off_sign:
        return False
    if named:
        return named not in _NAMED_ZONES  # the zone pattern swallowed an ordinary word
    return _WORD_AFTER.match(timed.string, timed.end()) is not None


def _hour_24(hour: int, ampm: str | None, period: str | None) -> int:
    """Hour on a 24-hour clock, from AM/PM or an Indonesian day period ("8.30 malam")."""
    if ampm:
        if hour == 0 or (hour > 12 and ampm == "a"):
            raise _NotADate(f"no such time {hour} {ampm}m")
        if hour > 12:
            return hour  # "20:41 PM": already on a 24-hour clock
        return (hour % 12) + (12 if ampm == "p" else 0)
    if not period or hour == 0 or hour >= 13:
        return hour
    if period == "siang" and hour >= 10:
        return hour  # late morning to noon
    if (period == "siang" and hour <= 4) or (period in ("sore", "malam") and hour <= 11):
        return hour + 12
    if (period == "pagi" or period.startswith("dini")) and hour <= 11:
        return hour
    raise _NotADate(f"hour {hour} does not fit {period!r}")  # "12 malam": which day?


@lru_cache(maxsize=64)
def _fixed_offset(sign: str, hours: int, minutes: int) -> timezone:
    """A fixed-offset zone, cached because a crawl sees the same few offsets all day."""
    if hours > 14 or minutes > 59:
        raise _NotADate(f"no such offset {sign}{hours:02d}:{minutes:02d}")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if sign == "-" else offset)


def _parse_compact(low: str, default_tz: tzinfo) -> datetime | date | None:
    """Basic ISO 8601 ("20201125", "20201125T204100Z") when it is the whole string."""
    match = _COMPACT.fullmatch(low)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    day_value = _calendar_day(int(year), int(month), int(day))
    if hour is None:
        return day_value
    if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
        raise _NotADate("no such time")
    tz = default_tz
    if zone == "z":
        tz = _UTC
    elif zone:
        tz = _fixed_offset(zone[0], int(zone[1:3]), int(zone[-2:]))
    return datetime(
        day_value.year, day_value.month, day_value.day,
        int(hour), int(minute), int(second or 0), tzinfo=tz,
    )  # fmt: skip


def _parse_relative(low: str, now: datetime | None, default_tz: tzinfo) -> datetime | date | None:
    """Resolve "2 jam yang lalu", "kemarin pukul 14.30", "baru saja" and kin against `now`."""
    if not _RELATIVE_GATE.search(low):
        return None  # cheap gate: the full pattern costs about a microsecond
    match = _RELATIVE.search(low)
    if match is None:
        return None
    now = _aware_now(now, default_tz)
    if match["just_now"]:
        return now.replace(second=0, microsecond=0)
    if match["ago"]:
        day = _ago(match["ago"], now, default_tz)
        if isinstance(day, datetime):
            return day  # to the minute already
    else:
        days_back = _DAYS_BACK[" ".join(match["day"].split())]
        day = now.astimezone(default_tz).date() - timedelta(days=days_back)
    timed = _TIME_AFTER.match(low, match.end())  # "kemarin pukul 14.30"
    moment = None if timed is None else _at_clock(day, timed, default_tz)
    return day if moment is None else moment


def _parse_partial(low: str, now: datetime | None, default_tz: tzinfo) -> datetime | date | None:
    """A day without its year ("Senin (15/2)") or a time without its day ("08:15 WIB")."""
    match = _DAY_WITHOUT_YEAR.search(low)
    if match is not None:
        return _day_without_year(low, match, now, default_tz)
    timed = _TIME_ONLY.fullmatch(low)
    if timed is None or not _is_clock_reading(timed):
        return None
    now = _aware_now(now, default_tz)
    today = now.astimezone(default_tz).date()
    moment = _at_clock(today, timed, default_tz)
    if moment is not None and moment - TIME_ONLY_SLACK > now:
        moment = _at_clock(today - timedelta(days=1), timed, default_tz)
    return moment


def _is_clock_reading(timed: re.Match[str]) -> bool:
    """A time standing alone is a clock reading only when something says so (a label, a zone,
    AM/PM, a day period, or a colon): "14.30" alone may be an amount."""
    label, separator, ampm, period, gmt_sign, named, off_sign = timed.group(
        "label", "sep", "ampm", "period", "gmt_sign", "named", "off_sign")
    if named and named not in _NAMED_ZONES:
        return False
    return bool(label or ampm or period or gmt_sign or named or off_sign
                or (separator and ":" in separator))


def _day_without_year(
    low: str, match: re.Match[str], now: datetime | None, default_tz: tzinfo
) -> datetime | date | None:
    """The latest day with this day and month not after `now`, if it is the weekday named."""
    if match["num_d"]:
        day, month = int(match["num_d"]), int(match["num_m"])
    else:
        day, month = int(match["dmy_d"]), MONTHS[match["dmy_m"]]
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    today = _aware_now(now, default_tz).astimezone(default_tz).date()
    for year in range(today.year, today.year - 8, -1):  # 29 February: back to a leap year
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            break
    else:
        return None
    if candidate.weekday() != WEEKDAYS[match["weekday"]]:
        return None  # the page's weekday disagrees: a wrong date is worse than none
    timed = _TIME_AFTER.match(low, match.end())
    moment = None if timed is None else _at_clock(candidate, timed, default_tz)
    return candidate if moment is None else moment


def _aware_now(now: datetime | None, default_tz: tzinfo) -> datetime:
    """`now` as an aware datetime; naive means wall-clock time in `default_tz`."""
    if now is None:
        return datetime.now(default_tz)
    if now.tzinfo is None or now.utcoffset() is None:
        return now.replace(tzinfo=default_tz)
    return now


def _ago(quantities: str, now: datetime, default_tz: tzinfo) -> datetime | date | None:
    """The moment "N units ago" names: minute precision for clock units, a date for days."""
    seconds = days = months = 0
    for amount_text, unit in _RELATIVE_PART.findall(quantities):
        amount = int(amount_text) if amount_text.isdigit() else 1
        if unit in _MINUTE_UNITS:
            seconds += amount * _MINUTE_UNITS[unit]
        elif unit in _DAY_UNITS:
            days += amount * _DAY_UNITS[unit]
        else:
            months += amount * _MONTH_UNITS[unit]
    if seconds and not months:
        delta = timedelta(days=days, seconds=seconds)
        moment = (now.astimezone(_UTC) - delta).astimezone(now.tzinfo)
        return moment.replace(second=0, microsecond=0)
    return _months_back(now.astimezone(default_tz).date(), months) - timedelta(days=days)


def _months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, or the last day of a shorter month."""
    if not months:
        return day
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    if year < MIN_YEAR:
        raise _NotADate(f"{months} months before {day}")
    return date(year, month_index + 1, min(day.day, monthrange(year, month_index + 1)[1]))


def _parse_with_dateparser(low: str, default_tz: tzinfo) -> datetime | date | None:
    """Last resort for odd layouts ("2020 November 25"), trusted only when checked.

    Runs only when the text names exactly one month, prints a day number right beside it
    and has a 4-digit year; dateparser's answer is kept only if it agrees with all three.
    The time is read by our own clock pattern, never guessed.
    """
    years = set(_FALLBACK_YEAR.findall(low))
    month_names = list(_FALLBACK_MONTH.finditer(low)) if years else []
    if len({MONTHS[name[1]] for name in month_names}) != 1:
        return None
    days_beside = {day for name in month_names for day in _days_beside(low, name)}
    if not days_beside:
        return None
    import dateparser  # heavy to import, so only when a rare string needs it

    settings = {"STRICT_PARSING": True, "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}
    guess = dateparser.parse(low, languages=["id", "en"], settings=settings)
    if guess is None or guess.month != MONTHS[month_names[0][1]]:
        return None
    if str(guess.year) not in years or guess.day not in days_beside:
        return None
    day = guess.date()
    timed = _TIME_ANYWHERE.search(low)
    moment = None if timed is None else _at_clock(day, timed, default_tz)
    return day if moment is None else moment


def _days_beside(low: str, month_name: re.Match[str]) -> list[int]:
    """Day-of-month numbers printed right after or right before a month name."""
    after = _DAY_AFTER_MONTH.match(low, month_name.end())
    before = _DAY_BEFORE_MONTH.search(low, 0, month_name.start())
    return [int(found[1]) for found in (after, before) if found and 1 <= int(found[1]) <= 31]


def to_iso(value: datetime | date | None) -> str | None:
    """ISO 8601 text for a parsed value: seconds kept, offset kept; a plain date stays a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def parse_http_date(value: str | bytes | None) -> datetime | None:
    """An HTTP Date header (RFC 1123) as an aware UTC datetime, the `now` of a crawled page."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    try:
        moment = parsedate_to_datetime(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_UTC)  # "-0000": UTC with an unknown source zone
        moment = moment.astimezone(_UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # A server clock set to 9999 is no "now" to read "2 jam lalu" against.
    return moment if MIN_YEAR <= moment.year <= MAX_YEAR else None


def main_dates(argv: list[str] | None = None) -> int:
    """`newscrawler dates TEXT [--now ISO] [--tz ZONE]`: print the ISO value or explain."""
    parser = argparse.ArgumentParser(
        prog="newscrawler dates", description="Normalise a date string printed by a portal."
    )
    parser.add_argument("text", help='date text, e.g. "Rabu (25/11/2020)"')
    parser.add_argument("--now", type=datetime.fromisoformat, help="ISO time for relative forms")
    parser.add_argument("--tz", type=_zone_arg, default=JAKARTA, help="IANA zone, default WIB")
    args = parser.parse_args(argv)
    value = parse_date(args.text, args.now, default_tz=args.tz)
    if value is None:
        print(f"cannot read a date from {args.text!r}", file=sys.stderr)
        return 1
    print(to_iso(value))
    return 0


def _zone_arg(name: str) -> ZoneInfo:
    """`--tz` value: an IANA zone, reported as a usage error when unknown."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r}") from error
