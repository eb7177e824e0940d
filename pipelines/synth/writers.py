"""Deterministic XLSX and CSV writing: text stays text, numbers are numbers, bytes repeat per seed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

Cell = str | int | float | None
"""A str becomes a text cell, an int/float a number cell, None an empty cell."""

FIXED_CREATED = datetime(2026, 12, 1, 8, 0, 0)
"""Workbook creation date: fixed so the same seed gives byte-identical files."""

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    title: str | None = None
    """A title row above the header (XLSX only)."""
    footer: list[Cell] | None = None
    """A trailing row such as 合计."""
    widths: dict[int, float] = field(default_factory=dict)

    @property
    def first_data_row(self) -> int:
        """1-based physical row of the first data row."""
        return 3 if self.title else 2


def write_xlsx(path: Path, table: Table, *, constant_memory: bool = False, sheet: str = "Sheet1") -> None:
    """One sheet; str cells via write_string (IDs stay text), numbers via write_number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {**WORKBOOK_OPTIONS, "constant_memory": constant_memory}
    wb = xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": FIXED_CREATED, "author": "dixian-synth"})
    ws = wb.add_worksheet(sheet)
    for col, width in table.widths.items():
        ws.set_column(col, col, width)
    row = 0
    if table.title:
        ws.write_string(0, 0, table.title)
        row = 1
    for c, h in enumerate(table.headers):
        ws.write_string(row, c, h)
    row += 1
    lines = table.rows + ([table.footer] if table.footer else [])
    write_string, write_number = ws.write_string, ws.write_number
    for values in lines:
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                write_string(row, c, v)
            else:
                write_number(row, c, v)
        row += 1
    wb.close()


def _text(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)


def write_csv(path: Path, table: Table, *, encoding: str, crlf: bool = False) -> None:
    """A CSV in utf-8 / utf-8-sig / gbk; the title row is never written to CSV."""
    if table.title:
        raise ValueError(f"{path.name}: CSV files carry no title row")
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(table.headers)
    for values in table.rows + ([table.footer] if table.footer else []):
        writer.writerow([_text(v) for v in values])
    path.write_bytes(buf.getvalue().encode(encoding))
