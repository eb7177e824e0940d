"""A reporting period: one calendar month, written YYYY-MM."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date


class PeriodError(ValueError):
    """A period that is not YYYY-MM."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(text).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise PeriodError(f"period {text!r} is not YYYY-MM (e.g. 2026-11)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def current(cls, today: date | None = None) -> Period:
        today = today or date.today()
        return cls(today.year, today.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
