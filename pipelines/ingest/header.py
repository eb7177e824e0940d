"""Find the header row below title rows and map department wordings to canonical fields."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import polars as pl

from schemas.base import Source

HEADER_SCAN_ROWS = 20


class HeaderError(Exception):
    """No header row could be found, or a required column is missing."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def fold_header(text: str | None) -> str:
    """Compare headers ignoring width, spaces, required-field stars and unit suffixes in brackets."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"[\s*＊:：]", "", s)
    return s


def alias_index(source: Source) -> dict[str, str]:
    """Folded header wording → canonical field name."""
    index: dict[str, str] = {}
    for f in source.fields:
        for h in f.headers:
            index.setdefault(fold_header(h), f.name)
    return index


def _strip_unit(folded: str) -> str:
    return re.sub(r"[(（\[【][^)）\]】]*[)）\]】]$", "", folded)


def resolve_header(text: str | None, index: dict[str, str]) -> str | None:
    folded = fold_header(text)
    if not folded:
        return None
    return index.get(folded) or index.get(_strip_unit(folded))


@dataclass(frozen=True)
class HeaderMap:
    """Where the header is and which grid column holds which canonical field."""

    header_row_no: int
    columns: dict[str, str]
    """grid column (c0…) → canonical field name."""
    unknown: tuple[str, ...]
    """Header texts that match no field (kept out of the warehouse, reported)."""


def find_header(grid: pl.DataFrame, source: Source, where: str) -> HeaderMap:
    """The row among the first rows that names the most known fields (ties: the first)."""
    index = alias_index(source)
    cols = [c for c in grid.columns if c != "row_no"]
    best: tuple[int, int] | None = None  # (score, row position)
    for pos, row in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows(named=True)):
        fields = {resolve_header(row[c], index) for c in cols} - {None}
        if len(fields) >= 2 and (best is None or len(fields) > best[0]):
            best = (len(fields), pos)
    if best is None:
        expected = "、".join(f.label for f in source.fields if f.required or f.name in ("name", "id_number"))
        raise HeaderError(
            where,
            f"no header row found in the first {HEADER_SCAN_ROWS} rows; expected columns like {expected}",
        )
    row = grid.row(best[1], named=True)
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for c in cols:
        name = resolve_header(row[c], index)
        if name is None:
            if row[c] is not None:
                unknown.append(str(row[c]))
        elif name not in mapping.values():
            mapping[c] = name
        else:
            unknown.append(f"{row[c]} (duplicate of {name})")
    missing = [f for f in source.fields if f.required and f.name not in mapping.values()]
    if missing:
        labels = ", ".join(f"{f.label} (accepted: {'/'.join(f.headers)})" for f in missing)
        raise HeaderError(
            where,
            f"required column missing: {labels}; header row {row['row_no']} has {[row[c] for c in cols if row[c]]}",
        )
    if not ({"name", "id_number"} & set(mapping.values())):
        raise HeaderError(where, "neither a name column nor an ID number column was found")
    return HeaderMap(header_row_no=int(row["row_no"]), columns=mapping, unknown=tuple(unknown))
