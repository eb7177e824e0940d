"""Read back what the generator wrote: every cell as text, no header inference."""

from __future__ import annotations

import io
from pathlib import Path

import fastexcel
import polars as pl

from pipelines.synth.layout import FILES


def encoding_of(path: Path) -> str:
    for specs in FILES.values():
        for spec in specs:
            if path.name.startswith(spec.name.split("{")[0]) and spec.fmt == "csv":
                return spec.encoding
    return "utf-8"


def read_raw(path: Path) -> pl.DataFrame:
    """All physical rows (title, header, data, 合计) as strings; row i of the frame is Excel row i+1."""
    if path.suffix == ".xlsx":
        sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
        return sheet.to_polars()
    text = path.read_bytes().decode(encoding_of(path))
    return pl.read_csv(io.StringIO(text), has_header=False, infer_schema=False)


def header_row(path: Path, frame: pl.DataFrame) -> int:
    """0-based index of the header row in read_raw's frame."""
    first = frame.row(0)
    return 1 if sum(v is not None for v in first) == 1 and len(first) > 2 else 0
