"""The reporting period and the rule windows measured from it."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _month_start(year: int, month: int, back: int) -> date:
    """First day of the month `back` months before (year, month)."""
    index = year * 12 + (month - 1) - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A monthly period 'YYYY-MM' and its windows (all bounds inclusive)."""

    text: str
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD_RE.match(text)
        if not m:
            raise ValueError(f"period must look like 2026-11, got {text!r}")
        return cls(text, int(m.group(1)), int(m.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def ytd_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last3_start(self) -> date:
        return _month_start(self.year, self.month, 2)

    @property
    def last12_start(self) -> date:
        return _month_start(self.year, self.month, 11)

    def month_start(self, back: int) -> date:
        return _month_start(self.year, self.month, back)

    def window(self, name: str) -> tuple[date, date]:
        starts = {
            "year_to_date": self.ytd_start,
            "period_month": self.start,
            "last_3_months": self.last3_start,
            "last_12_months": self.last12_start,
        }
        return starts[name], self.end


def age_at(born: date, when: date) -> int:
    """Completed years at `when`."""
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def add_days(d: date, days: int) -> date:
    return d + timedelta(days=days)
