"""One exception per way an export can be refused, each carrying its context."""

from __future__ import annotations

from collections.abc import Sequence


class ExportError(ValueError):
    """Base class: the input cannot be turned into a workbook as asked."""


class TownshipMismatchError(ExportError):
    """Warnings for another township reached a township workbook.

    A township's workbook must hold its own households only, so this is refused outright.
    """

    def __init__(
        self,
        township: str,
        foreign: Sequence[tuple[str | None, str | None]],
        *,
        rows: str = "warning",
    ) -> None:
        self.township = township
        self.household_ids = sorted({hh or "" for _, hh in foreign})
        self.other_townships = sorted({t if t is not None else "<null>" for t, _ in foreign})
        shown = ", ".join(self.household_ids[:20]) + (" …" if len(self.household_ids) > 20 else "")
        super().__init__(
            f"township workbook for {township!r} refused: {len(foreign)} {rows} row(s) belong to "
            f"township(s) {self.other_townships}; household_id(s): {shown}. "
            f"Filter {rows}s by the registry's township before calling write_township_workbook."
        )


class PeriodMismatchError(ExportError):
    """Warnings from another period reached a workbook for one period."""

    def __init__(self, period: str, found: Sequence[str | None]) -> None:
        self.period = period
        self.found = sorted({p if p is not None else "<null>" for p in found})
        super().__init__(f"workbook for period {period!r} refused: warnings carry period(s) {self.found}")


class MissingColumnsError(ExportError):
    """An input frame lacks columns of the contract."""

    def __init__(self, frame: str, missing: Sequence[str], received: Sequence[str]) -> None:
        self.frame = frame
        self.missing = list(missing)
        super().__init__(f"{frame}: missing column(s) {self.missing}; received {list(received)}")
