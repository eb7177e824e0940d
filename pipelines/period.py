"""A reporting period: one calendar month, written YYYY-MM, and the rule windows measured from it.

The one definition of periods and windows: the rulebook compiles its windows from it and the
synthetic county's ground truth evaluates the same windows, so the two cannot drift apart.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

Window = Literal["year_to_date", "period_month", "last_3_months", "last_12_months", "all_time"]
"""A rule's lookback, always ending on the period's last day (Period.window)."""
WINDOWS: tuple[str, ...] = get_args(Window)


class PeriodError(ValueError):
    """A period that is not YYYY-MM."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{2})", str(text).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise PeriodError(f"period {text!r} is not YYYY-MM (e.g. 2026-11)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def current(cls, today: date | None = None) -> Period:
        today = today or date.today()
        return cls(today.year, today.month)

    @property
    def text(self) -> str:
        return str(self)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def months_until(self, later: Period) -> int:
        """Whole months from this period to `later` (2026-11 → 2027-02 is 3; negative when earlier)."""
        return (later.year - self.year) * 12 + (later.month - self.month)

    def month_start(self, back: int) -> date:
        """First day of the month `back` months before this one."""
        return self.shift(-back).start

    def window(self, name: str) -> tuple[date, date]:
        """The event-date range a rule window covers, both ends inclusive, always ending on the
        period's last day. Month windows count whole calendar months including the period month,
        so a monthly run never splits a month: last_3_months of 2026-06 is 2026-04-01 … 2026-06-30."""
        starts = {
            "period_month": self.start,
            "year_to_date": date(self.year, 1, 1),
            "last_3_months": self.month_start(2),
            "last_12_months": self.month_start(11),
            # registrations (vehicles, property, licences) count whenever they were made
            "all_time": date(1900, 1, 1),
        }
        assert set(starts) == set(WINDOWS), "every Window has its start here"
        if name not in starts:
            raise ValueError(f"unknown window {name!r}; windows: {', '.join(starts)}")
        return starts[name], self.end

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
