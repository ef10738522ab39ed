"""`newscrawler dates`: the normaliser on the command line."""

from __future__ import annotations

from .conftest import run_cli


def test_prints_the_iso_value():
    result = run_cli("dates", "Rabu (25/11/2020)")
    assert (result.returncode, result.stdout.strip()) == (0, "2020-11-25")


def test_relative_dates_use_now():
    result = run_cli("dates", "kemarin pukul 14.30", "--now", "2020-11-26T09:00:00+07:00")
    assert (result.returncode, result.stdout.strip()) == (0, "2020-11-25T14:30:00+07:00")


def test_says_when_it_cannot_read_a_date():
    result = run_cli("dates", "Baca juga: banjir di Jakarta")
    assert result.returncode == 1 and result.stdout == ""
    assert "cannot read a date" in result.stderr and "Traceback" not in result.stderr
