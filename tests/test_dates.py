"""Tests for newscrawler.dates: the corpus by family, plus the API edges around it."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newscrawler import dates
from newscrawler.dates import JAKARTA, main_dates, parse_date, parse_http_date, to_iso

CORPUS = Path(__file__).parent / "data" / "dates_corpus.tsv"
FAMILIES = (
    "portal", "dayname", "month", "numeric", "iso", "rfc822", "english",
    "time", "zone", "noise", "relative", "partial", "bounds", "invalid",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One corpus row: what a portal printed and what it means."""

    text: str
    now: datetime | None
    tz: ZoneInfo
    expected: str
    family: str


def load_corpus() -> list[Case]:
    """The TSV rows; text is kept byte for byte (leading spaces and NBSPs are test data)."""
    lines = CORPUS.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "text\tnow\ttz\texpected\tfamily"
    cases = []
    for line in filter(None, lines[1:]):
        text, now, tz, expected, family = line.split("\t")
        cases.append(
            Case(
                text=text,
                now=datetime.fromisoformat(now) if now else None,
                tz=ZoneInfo(tz) if tz else JAKARTA,
                expected=expected,
                family=family,
            )
        )
    return cases


ALL_CASES = load_corpus()


def cases_of(family: str) -> list:
    """Pytest params for one family, each named by its text."""
    return [
        pytest.param(case, id=case.text[:60] or "<empty>")
        for case in ALL_CASES
        if case.family == family
    ]


def check(case: Case) -> None:
    """The parsed value has the expected ISO text and the expected type (date vs datetime)."""
    value = parse_date(case.text, case.now, default_tz=case.tz)
    if case.expected == "NONE":
        assert value is None, f"{case.text!r} read as {to_iso(value)}"
        return
    assert to_iso(value) == case.expected, case.text
    if "T" in case.expected:
        assert isinstance(value, datetime) and value.utcoffset() is not None
    else:
        assert type(value) is date


def test_corpus_is_large_and_covers_every_family() -> None:
    assert len(ALL_CASES) >= 350
    assert {case.family for case in ALL_CASES} == set(FAMILIES)
    assert all(case.now is not None for case in ALL_CASES
               if case.family in ("relative", "partial"))


@pytest.mark.parametrize("case", cases_of("portal"))
def test_portal_markup(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("dayname"))
def test_day_names_are_ignored(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("month"))
def test_month_spellings(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("numeric"))
def test_numeric_day_month_year(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("iso"))
def test_iso_8601_rfc_3339_and_compact(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("rfc822"))
def test_rfc_822_and_1123(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("english"))
def test_english_dates(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("time"))
def test_times(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("zone"))
def test_zones_and_default_tz(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("noise"))
def test_label_noise_hijri_and_several_dates(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("relative"))
def test_relative_forms(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("partial"))
def test_time_without_day_and_day_without_year(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("bounds"))
def test_years_1900_to_2100_never_the_future_zero_width_ignored(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("case", cases_of("invalid"))
def test_invalid_values_and_non_dates(case: Case) -> None:
    check(case)


# Strings outside the known families cost what dateparser costs (about a millisecond), so
# they live here rather than in the corpus the benchmark times.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020 November 25", "2020-11-25"),
        ("2020 Mei 5", "2020-05-05"),
        ("2020, Nov 25 20:41", "2020-11-25T20:41:00+07:00"),
        ("2020, Nov 25 20:41 WITA", "2020-11-25T20:41:00+08:00"),
    ],
)
def test_dateparser_fallback(text: str, expected: str) -> None:
    check(Case(text=text, now=None, tz=JAKARTA, expected=expected, family="fallback"))


def test_dateparser_guess_is_refused_unless_the_text_backs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dateparser

    monkeypatch.setattr(dateparser, "parse", lambda *args, **kwargs: datetime(2020, 11, 26))
    assert parse_date("2020 November 25") is None  # day 26 is not printed beside the month
    monkeypatch.setattr(dateparser, "parse", lambda *args, **kwargs: datetime(2021, 11, 25))
    assert parse_date("2020 November 25") is None  # year 2021 is not printed


def test_stated_zone_is_kept_not_converted() -> None:
    value = parse_date("25 Nov 2020 14:30 WITA", default_tz=ZoneInfo("UTC"))
    assert value == datetime(2020, 11, 25, 14, 30, tzinfo=timezone(timedelta(hours=8)))
    assert value.utcoffset() == timedelta(hours=8)


def test_unstated_zone_is_the_default_tz_object() -> None:
    makassar = ZoneInfo("Asia/Makassar")
    assert parse_date("25/11/2020 09:00", default_tz=makassar).tzinfo is makassar


def test_now_defaults_to_the_current_time() -> None:
    before = datetime.now(JAKARTA).date()
    value = parse_date("kemarin")
    after = datetime.now(JAKARTA).date()
    assert value in {before - timedelta(days=1), after - timedelta(days=1)}


def test_none_gives_none_and_other_types_raise() -> None:
    assert parse_date(None) is None
    for junk in (b"25/11/2020", 20201125, ["25/11/2020"]):
        with pytest.raises(TypeError):
            parse_date(junk)  # type: ignore[arg-type]


def test_long_input_is_capped_and_cheap() -> None:
    assert parse_date("x" * 1000 + " 25 November 2020") is None
    assert parse_date("25 November 2020 " + "x" * 1000) == date(2020, 11, 25)
    started = time.perf_counter()
    for junk in ("9" * 1_000_000, "Rp 1.000 " * 100_000, "mei " * 100_000):
        assert parse_date(junk) is None
    assert time.perf_counter() - started < 0.5


def test_known_families_never_import_dateparser() -> None:
    probe = (
        "import sys; from newscrawler.dates import parse_date; "
        "[parse_date(t) for t in ('Rabu, 25 Nov 2020 20:41 WIB', 'Baca juga', '2020', "
        "'2 jam lalu', '2020-11-25T20:41:00Z')]; print('dateparser' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_time_patterns_share_one_group_order() -> None:
    # _at_clock unpacks groups() positionally, so every time pattern must agree.
    orders = {
        tuple(pattern.groupindex)
        for pattern in (dates._TIME_AFTER, dates._TIME_BEFORE, dates._TIME_ANYWHERE)
    }
    assert orders == {
        ("label", "hour", "sep", "minute", "second", "bare_hour", "ampm", "period",
         "gmt_sign", "gmt_h", "gmt_m", "named", "off_sign", "off_h", "off_m"),
    }  # fmt: skip


def test_to_iso() -> None:
    assert to_iso(None) is None
    assert to_iso(date(2020, 11, 25)) == "2020-11-25"
    moment = datetime(2020, 11, 25, 20, 41, 5, 123456, tzinfo=JAKARTA)
    assert to_iso(moment) == "2020-11-25T20:41:05+07:00"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Wed, 25 Nov 2020 13:41:00 GMT", datetime(2020, 11, 25, 13, 41, tzinfo=timezone.utc)),
        (b"Wed, 25 Nov 2020 13:41:00 GMT", datetime(2020, 11, 25, 13, 41, tzinfo=timezone.utc)),
        ("Wed, 25 Nov 2020 20:41:00 +0700", datetime(2020, 11, 25, 13, 41, tzinfo=timezone.utc)),
        ("Wed, 25 Nov 2020 13:41:00 -0000", datetime(2020, 11, 25, 13, 41, tzinfo=timezone.utc)),
        (None, None),
        ("", None),
        ("not a date", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),  # no "now" to read "2 jam lalu" against
        ("Mon, 01 Jan 1800 00:00:00 GMT", None),
    ],
)
def test_parse_http_date(header: str | bytes | None, expected: datetime | None) -> None:
    value = parse_http_date(header)
    assert value == expected
    if value is not None:
        assert value.utcoffset() == timedelta(0)


def test_http_date_serves_as_now() -> None:
    now = parse_http_date("Wed, 25 Nov 2020 13:41:30 GMT")
    assert to_iso(parse_date("5 menit lalu", now)) == "2020-11-25T13:36:00+00:00"


def test_cli_prints_the_iso_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_dates(["Rabu (25/11/2020)"]) == 0
    assert capsys.readouterr().out == "2020-11-25\n"
    assert main_dates(["20:41 WITA, 25/11/2020"]) == 0
    assert capsys.readouterr().out == "2020-11-25T20:41:00+08:00\n"


def test_cli_now_and_tz(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["2 jam lalu", "--now", "2020-11-25T20:41:00", "--tz", "Asia/Makassar"]
    assert main_dates(argv) == 0
    assert capsys.readouterr().out == "2020-11-25T18:41:00+08:00\n"


def test_cli_reports_unreadable_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_dates(["Baca juga"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "cannot read a date from 'Baca juga'\n"


def test_a_year_9999_now_never_overflows() -> None:
    from newscrawler.extract.dating import resolve_dates
    from newscrawler.items import Article

    article = Article(url="https://kabar.example/a", date_candidates=[
        ["published", "text", "2 jam yang lalu"], ["published", "meta", "9999-12-31T23:59:00Z"]])
    resolve_dates(article, now=datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc))
    assert article.published is None
