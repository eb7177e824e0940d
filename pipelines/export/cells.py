"""Safe cell writing, ID masking and deterministic workbooks.

Every workbook Dixian hands out is read by people and opened in Excel/WPS, and its cells carry
department data we do not control. So data never reaches Excel as anything but literal text or a
number we computed: strings go through ``write_string`` only, and workbooks are created with
``strings_to_formulas``/``strings_to_urls`` off as a second line of defence.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.normalize.idcard import mask_id as _mask_id
from pipelines.outputs import AtomicWorkbook
from pipelines.period import Period

#: Options every Dixian workbook is created with (see STACK.md, Excel).
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

#: Excel's hard limit on characters in one cell.
MAX_CELL_CHARS = 32_767
_TRUNCATED = "……（内容过长已截断）"


def mask_id(id_number: str | None) -> str:
    """341722********1234 (first 6 and last 4 kept; 10 characters or fewer starred out): see
    pipelines.normalize.idcard.mask_id, the one implementation."""
    return _mask_id(str(id_number).strip() if id_number is not None else None)


def period_start(period: str) -> date:
    """First day of a 'YYYY-MM' period; raises PeriodError (a ValueError) naming the bad value."""
    return Period.parse(period).start


def new_workbook(path: str | Path, period: str, title: str, company: str = "县农业农村局") -> AtomicWorkbook:
    """Create a workbook whose bytes depend only on its content.

    The created date is fixed to the period start (never "now"), so writing the same input twice
    yields identical files; xlsxwriter already pins the zip member timestamps.
    """
    start = period_start(period)
    workbook = AtomicWorkbook(path, WORKBOOK_OPTIONS)  # complete under its name, or not there at all
    workbook.set_properties(
        {
            "title": title,
            "author": "底线（Dixian）",
            "company": company,
            "created": datetime(start.year, start.month, start.day),
        }
    )
    return workbook


def clean_text(value: object) -> str:
    """Render a value as cell text, truncated to Excel's cell limit."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(_TRUNCATED)] + _TRUNCATED
    return text


def write_text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Write data as literal text: never a formula, URL or number, whatever it starts with."""
    text = clean_text(value)
    if text == "":
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, text, fmt)


def write_number(
    ws: Worksheet, row: int, col: int, value: float | int | None, fmt: Format | None = None
) -> None:
    """Write a number we computed; None becomes a blank cell."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, value, fmt)


def display_width(text: str) -> int:
    """Approximate column width of text: CJK and full-width characters take two units."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def estimate_lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs at a column width, to set a print-friendly row height."""
    if not text:
        return 1
    per_line = max(int(width) - 1, 1)
    return sum(max(1, -(-display_width(part) // per_line)) for part in text.split("\n"))


def natural_key(value: str | None) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts '2组' before '10组' and is total over None."""
    parts = re.split(r"(\d+)", value or "")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")
