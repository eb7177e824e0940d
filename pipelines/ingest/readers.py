"""Read department files as the people who made them left them: every cell as text.

A reader returns the sheet as a grid of text cells with the physical row number a person sees in
Excel (or the line in a CSV). Finding the header row, mapping headers and validating are later
steps (see header.py and loader.py); a reader only decodes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import iterparse

import fastexcel
import polars as pl

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


class ReadError(Exception):
    """A file that cannot be decoded at all (wrong format, corrupt, unknown encoding)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class RawSheet:
    """One sheet (or a CSV) as text cells. `grid` columns are c0…cN; `row_no` is the physical row."""

    path: Path
    sheet: str
    grid: pl.DataFrame
    encoding: str = ""
    numeric_cells: set[tuple[int, int]] = field(default_factory=set)
    """(row_no, column index) of cells stored as numbers: an ID there has lost digits."""


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError(f"neither UTF-8 nor GBK/GB18030 (byte {exc.start})") from exc


def _grid_from_rows(rows: list[list[str | None]], first_row_no: int) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    cols = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    grid = pl.DataFrame(cols, schema={k: pl.String for k in cols})
    return grid.with_columns(
        pl.int_range(first_row_no, first_row_no + len(rows), dtype=pl.Int64).alias("row_no")
    )


def read_csv(path: Path) -> RawSheet:
    data = path.read_bytes()
    try:
        encoding = detect_encoding(data)
    except ValueError as exc:
        raise ReadError(path, f"cannot decode text: {exc}") from exc
    text = data.decode(encoding)
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [[c if c.strip() != "" else None for c in r] for r in rows]
    return RawSheet(path=path, sheet="", grid=_grid_from_rows(rows, 1), encoding=encoding)


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _sheet_xml_paths(zf: zipfile.ZipFile) -> list[str]:
    """Worksheet XML parts in workbook order (sheet1.xml, sheet2.xml …)."""
    names = [n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    return sorted(names, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))


def _scan_sheet_xml(zf: zipfile.ZipFile, part: str) -> tuple[int, set[tuple[int, int]]]:
    """First used row and the positions of numeric cells, from the sheet XML (types calamine hides).

    Column indices are relative to the first used column, as calamine's grid is."""
    first_row = 0
    first_col = -1
    numeric: set[tuple[int, int]] = set()
    with zf.open(part) as fh:
        for _, elem in iterparse(fh):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "c":
                ref = elem.get("r", "")
                m = _CELL_REF.fullmatch(ref)
                has_value = any(child.tag.rsplit("}", 1)[-1] == "v" for child in elem)
                if m and has_value:
                    row_no = int(m.group(2))
                    col = _col_index(m.group(1))
                    if first_row == 0 or row_no < first_row:
                        first_row = row_no
                    if first_col < 0 or col < first_col:
                        first_col = col
                    if elem.get("t") in (None, "n"):
                        numeric.add((row_no, col))
                elem.clear()
            elif tag == "row":
                elem.clear()
    shift = max(first_col, 0)
    return first_row or 1, {(r, c - shift) for r, c in numeric}


def read_xlsx(path: Path) -> list[RawSheet]:
    """Every visible sheet that holds data. Cells as text; numeric cell positions kept aside."""
    try:
        reader = fastexcel.read_excel(str(path))
        zf = zipfile.ZipFile(path)
    except Exception as exc:  # calamine / zip raise many types for a corrupt file
        raise ReadError(path, f"not a readable XLSX workbook ({exc})") from exc
    parts = _sheet_xml_paths(zf)
    sheets: list[RawSheet] = []
    for idx, name in enumerate(reader.sheet_names):
        sheet = reader.load_sheet(idx, header_row=None, dtypes="string")
        if sheet.visible != "visible":
            continue
        frame = sheet.to_polars()
        if frame.height == 0:
            continue
        first_row, numeric = _scan_sheet_xml(zf, parts[idx]) if idx < len(parts) else (1, set())
        frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
        frame = frame.with_columns(
            pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("row_no")
        )
        sheets.append(RawSheet(path=path, sheet=name, grid=frame, numeric_cells=numeric))
    return sheets


def read_any(path: Path) -> list[RawSheet]:
    """All sheets of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return [read_csv(path)]
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    raise ReadError(
        path, f"unsupported file type {suffix!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
    )
