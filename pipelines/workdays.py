"""Working days on the Chinese official calendar: public holidays off, make-up working days on.

Deadlines for township verification are counted in working days (工作日). The State Council publishes
each year's holidays and make-up days (调休) in the autumn before; the `chinese-calendar` package
carries them for the years it knows. A county adds or corrects days in `<data>/county/calendar.yaml`:

    holidays: [2027-01-01, 2027-02-06]     # days off
    workdays: [2027-02-14]                 # make-up working days (a Saturday or Sunday)

For a year neither knows, weekends are the only days off, and the calendar says so (`assumed_years`)
so the run can tell the officer to add the year before trusting its deadlines.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar

from schemas.yamltext import read_county_mapping

OVERRIDE_FILE = "calendar.yaml"


@functools.lru_cache(maxsize=1)
def _package_years() -> frozenset[int]:
    """The years chinese-calendar carries the State Council's schedule for (it refuses the others)."""
    from chinese_calendar.constants import holidays, workdays

    return frozenset(d.year for d in (*holidays, *workdays))


class CalendarError(ValueError):
    """The county's calendar file is not what it should be (named file, entry, expected form)."""


@dataclass
class WorkCalendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    assumed_years: set[int] = field(default_factory=set)
    """Years looked at that neither the package nor the county file knows (weekends only)."""

    def is_workday(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        if day.year in _package_years():
            return bool(chinese_calendar.is_workday(day))
        if not self._county_knows(day.year):
            self.assumed_years.add(day.year)
        return day.weekday() < 5

    def _county_knows(self, year: int) -> bool:
        return any(d.year == year for d in self.holidays | self.workdays)

    def working_days_after(self, start: dt.date, days: int) -> dt.date:
        """The day `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        d = start
        while days > 0:
            d += dt.timedelta(days=1)
            if self.is_workday(d):
                days -= 1
        return d


def _dates(path: Path, key: str, value: object) -> frozenset[dt.date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise CalendarError(f"{path}: '{key}' must be a list of dates (YYYY-MM-DD), got {value!r}")
    out = set()
    for item in value:
        if isinstance(item, dt.datetime):
            item = item.date()
        if isinstance(item, str):
            try:
                item = dt.date.fromisoformat(item)
            except ValueError:
                raise CalendarError(f"{path}: '{key}' entry {item!r} is not a date (YYYY-MM-DD)") from None
        if not isinstance(item, dt.date):
            raise CalendarError(f"{path}: '{key}' entry {item!r} is not a date (YYYY-MM-DD)")
        out.add(item)
    return frozenset(out)


def load_calendar(county_dir: Path) -> WorkCalendar:
    """The official calendar with the county's corrections (if it has the file)."""
    path = county_dir / OVERRIDE_FILE
    if not path.is_file():
        return WorkCalendar()
    data = read_county_mapping(path, ("holidays", "workdays"), CalendarError)
    holidays = _dates(path, "holidays", data.get("holidays"))
    workdays = _dates(path, "workdays", data.get("workdays"))
    both = holidays & workdays
    if both:
        raise CalendarError(f"{path}: {sorted(d.isoformat() for d in both)} listed as holiday and workday")
    return WorkCalendar(holidays=holidays, workdays=workdays)


__all__ = ["OVERRIDE_FILE", "CalendarError", "WorkCalendar", "load_calendar"]
