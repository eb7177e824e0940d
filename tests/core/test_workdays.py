"""Deadlines in working days on the official calendar, with the county's corrections."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.workdays import CalendarError, WorkCalendar, load_calendar


def test_national_day_is_not_counted_and_its_make_up_saturday_is():
    cal = WorkCalendar()
    assert not cal.is_workday(date(2026, 10, 1))  # Thursday, National Day
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, a make-up working day
    # from Wednesday 30 September: 1-7 October off, then Thu 8, Fri 9, Sat 10 (make-up)
    assert cal.working_days_after(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Mon–Fri alone would have said Monday 5 October, in the middle of the holiday
    assert cal.working_days_after(date(2026, 9, 30), 3) > date(2026, 10, 5)


def test_a_county_file_adds_the_years_the_package_does_not_know(tmp_path):
    (tmp_path / "calendar.yaml").write_text(
        "holidays: [2027-01-01]\nworkdays: [2027-01-09]\n", encoding="utf-8"
    )
    cal = load_calendar(tmp_path)
    # Thursday 31 Dec 2026 → Fri 1 Jan 2027 is a holiday, Sat 9 Jan a make-up working day
    assert cal.working_days_after(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.working_days_after(date(2027, 1, 8), 1) == date(2027, 1, 9)
    assert cal.assumed_years == set()  # the county file covers 2027


def test_a_year_nobody_knows_counts_weekdays_and_says_so():
    cal = WorkCalendar()
    assert cal.working_days_after(date(2031, 3, 7), 1) == date(2031, 3, 10)  # Friday → Monday
    assert cal.assumed_years == {2031}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("holidays: 2027-01-01\n", "must be a list of dates"),
        ("holidays: [tomorrow]\n", "'tomorrow' is not a date"),
        ("holiday: [2027-01-01]\n", "unknown entries ['holiday']"),
        ("holidays: [2027-01-01]\nworkdays: [2027-01-01]\n", "listed as holiday and workday"),
        ("holidays: [2027-01-01\n", "not valid YAML"),
    ],
)
def test_a_bad_county_file_is_named_with_what_is_wrong(tmp_path, text, message):
    (tmp_path / "calendar.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=message.replace("[", r"\[").replace("]", r"\]")) as err:
        load_calendar(tmp_path)
    assert "calendar.yaml" in str(err.value)
