"""Periods ('YYYY-MM') and rule windows as date ranges, both ends inclusive (see pipelines.period)."""

from __future__ import annotations

import re
from datetime import date

from pipelines.period import Period
from pipelines.rulebook.errors import InvalidPeriodError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _period(period: str) -> Period:
    if not _PERIOD.match(str(period)):
        raise InvalidPeriodError(f"period {period!r} is not 'YYYY-MM' (e.g. '2026-06')")
    return Period.parse(period)


def parse_period(period: str) -> tuple[date, date]:
    """First and last day of the month `period`."""
    p = _period(period)
    return p.start, p.end


def window_bounds(window: str, period: str) -> tuple[date, date]:
    """The event_date range a window covers, always ending on the period's last day."""
    return _period(period).window(window)
