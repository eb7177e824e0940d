"""Periods ('YYYY-MM') and rule windows as date ranges, both ends inclusive (see pipelines.period)."""

from __future__ import annotations

from datetime import date

from pipelines.period import Period, PeriodError
from pipelines.rulebook.errors import InvalidPeriodError


def _period(period: str) -> Period:
    try:
        return Period.parse(period)
    except PeriodError as exc:  # the rulebook's own error class, the one period format
        raise InvalidPeriodError(str(exc)) from exc


def parse_period(period: str) -> tuple[date, date]:
    """First and last day of the month `period`."""
    p = _period(period)
    return p.start, p.end


def window_bounds(window: str, period: str) -> tuple[date, date]:
    """The event_date range a window covers, always ending on the period's last day."""
    return _period(period).window(window)
