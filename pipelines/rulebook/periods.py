"""Periods ('YYYY-MM') and rule windows as date ranges, both ends inclusive."""

from __future__ import annotations

import calendar
import re
from datetime import date

from pipelines.rulebook.errors import InvalidPeriodError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(period: str) -> tuple[date, date]:
    """First and last day of the month `period`."""
    m = _PERIOD.match(str(period))
    if not m:
        raise InvalidPeriodError(f"period {period!r} is not 'YYYY-MM' (e.g. '2026-06')")
    year, month = int(m.group(1)), int(m.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _month_start(year: int, month: int, back: int) -> date:
    index = year * 12 + (month - 1) - back
    return date(index // 12, index % 12 + 1, 1)


def window_bounds(window: str, period: str) -> tuple[date, date]:
    """The event_date range a window covers, always ending on the period's last day.

    Month windows count whole calendar months including the period month, so a monthly run never
    splits a month: last_3_months of 2026-06 is 2026-04-01 … 2026-06-30.
    """
    start, end = parse_period(period)
    if window == "period_month":
        return start, end
    if window == "year_to_date":
        return date(start.year, 1, 1), end
    if window == "last_3_months":
        return _month_start(start.year, start.month, 2), end
    if window == "last_12_months":
        return _month_start(start.year, start.month, 11), end
    if window == "all_time":  # registrations (vehicles, property, licences) count whenever they were made
        return date(1900, 1, 1), end
    raise ValueError(f"unknown window {window!r}")
