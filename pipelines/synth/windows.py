"""The reporting period and its windows for the generator (the shared pipelines.period, plus helpers)."""

from __future__ import annotations

from datetime import date, timedelta

from pipelines.period import Period as _Period


class Period(_Period):
    """The shared period (pipelines.period) with the start dates the generator plants against."""

    @classmethod
    def parse(cls, text: str) -> Period:
        p = _Period.parse(text)  # the one period format: PeriodError (a ValueError) names the bad value
        return cls(p.year, p.month)

    @property
    def ytd_start(self) -> date:
        return self.window("year_to_date")[0]

    @property
    def last3_start(self) -> date:
        return self.window("last_3_months")[0]

    @property
    def last12_start(self) -> date:
        return self.window("last_12_months")[0]


def age_at(born: date, when: date) -> int:
    """Completed years at `when`."""
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def add_days(d: date, days: int) -> date:
    return d + timedelta(days=days)
