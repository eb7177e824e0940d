"""Deadlines: a period's township workbooks are due N working days after the day they were first issued."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.period import Period
from pipelines.settings import Settings
from pipelines.workdays import WorkCalendar


def record_first_issue(con: duckdb.DuckDBPyConnection, period: str, issued_on: date) -> date:
    """The day a period's workbooks were first issued: recorded by the first export, kept by every
    re-run and re-issue (so the deadline printed on them never moves)."""
    con.execute(
        "INSERT INTO meta.period_issues (period, first_issued_on) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [period, issued_on],
    )
    (row,) = con.execute(
        "SELECT first_issued_on FROM meta.period_issues WHERE period = ?", [period]
    ).fetchall()
    return row[0]


def due_dates(
    con: duckdb.DuckDBPyConnection, settings: Settings, periods: list[str], calendar: WorkCalendar
) -> dict[str, date]:
    """Each period's deadline: N working days (official calendar) after its first issue; a period
    issued before issue days were recorded counts from its first day, as it did then."""
    issued = dict(con.sql("SELECT period, first_issued_on FROM meta.period_issues").fetchall())
    return {
        p: calendar.working_days_after(issued.get(p) or Period.parse(p).start, settings.due_working_days)
        for p in periods
    }
