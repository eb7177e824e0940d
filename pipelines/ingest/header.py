"""Find the header row below title rows and map department wordings to canonical fields.

Headers come as people lay them out: one row, or two rows where a merged group cell (费用情况)
spans the real column names below it (总费用 / 个人自付), or where a column name merged over both rows
leaves the lower cell blank. `find_header` tries every row and every pair of adjacent rows among the
first rows and keeps the reading that names the most known fields.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import polars as pl

from pipelines.ingest.errors import HeaderError, MissingColumnsError, NoHeaderError
from schemas.base import Source

HEADER_SCAN_ROWS = 20
COMMON_FIELDS = frozenset({"name", "id_number", "address"})
"""Fields nearly every source has: they do not tell sources apart."""

__all__ = [
    "HEADER_SCAN_ROWS",
    "HeaderError",
    "HeaderMap",
    "alias_index",
    "find_header",
    "fold_header",
    "resolve_header",
    "score_source",
]


def fold_header(text: str | None) -> str:
    """Compare headers ignoring width, spaces, required-field stars and colons."""
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
    """The last header row: data starts below it."""
    columns: dict[str, str]
    """grid column (c0…) → canonical field name."""
    unknown: tuple[str, ...]
    """Header texts that match no field (kept out of the warehouse, reported)."""
    header_rows: int = 1
    """1, or 2 for a two-row (merged group) header."""
    texts: dict[str, str] | None = None
    """grid column → the header text as read (two-row headers joined with '/')."""


def _labels(grid: pl.DataFrame) -> list[str]:
    return [c for c in grid.columns if c != "row_no"]


def _reading(
    top: dict, below: dict | None, cols: list[str], index: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Column → field and column → shown text for one header row, or a pair of rows (top over below).

    In a pair, the lower cell names the column when it resolves on its own; else the group above it
    (carried right across its merged span) joined with the lower text; a blank lower cell leaves the
    upper text (a name merged down over both rows)."""
    mapping: dict[str, str] = {}
    texts: dict[str, str] = {}
    group: str | None = None
    for c in cols:
        upper = top.get(c)
        if below is None:
            candidates = [upper]
            shown = upper
        else:
            lower = below.get(c)
            if upper is not None:
                group = upper
            elif lower is None:
                group = None
            if lower is None:
                candidates = [upper]
                shown = upper
            else:
                candidates = [lower, (group or "") + lower, group if group and upper is None else None]
                shown = f"{group}/{lower}" if group else lower
        if shown is not None:
            texts[c] = str(shown)
        for cand in candidates:
            name = resolve_header(cand, index) if cand is not None else None
            if name is not None:
                if name not in mapping.values():
                    mapping[c] = name
                break
    return mapping, texts


def _best_reading(
    grid: pl.DataFrame, source: Source
) -> tuple[int, int, dict[str, str], dict[str, str]] | None:
    """(row position, rows used, mapping, texts) of the reading that names the most fields."""
    index = alias_index(source)
    cols = _labels(grid)
    rows = list(grid.head(HEADER_SCAN_ROWS + 1).iter_rows(named=True))
    best: tuple[int, int, dict[str, str], dict[str, str]] | None = None
    best_score = 1  # a header names at least two known fields
    for pos, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        options = [(1, *_reading(row, None, cols, index))]
        if pos + 1 < len(rows):
            options.append((2, *_reading(row, rows[pos + 1], cols, index)))
        for used, mapping, texts in options:
            # a pair must name more fields than either of its rows alone: else it is a header + a data row
            if len(mapping) > best_score:
                best_score = len(mapping)
                best = (pos, used, mapping, texts)
    return best


def score_source(grid: pl.DataFrame, source: Source) -> tuple[int, int, bool]:
    """How well a sheet's headers fit a source: (distinctive fields named, all fields named, required
    fields all present). Common fields (name, ID, address) name a person, not a source."""
    reading = _best_reading(grid, source)
    if reading is None:
        return (0, 0, False)
    fields = set(reading[2].values())
    required = all(f.name in fields for f in source.fields if f.required)
    return (len(fields - COMMON_FIELDS), len(fields), required)


def _closest(field_headers: tuple[str, ...], found: list[str]) -> str | None:
    best: tuple[float, str] | None = None
    for text in found:
        folded = fold_header(text)
        for alias in field_headers:
            ratio = difflib.SequenceMatcher(None, folded, fold_header(alias)).ratio()
            if ratio >= 0.5 and (best is None or ratio > best[0]):
                best = (ratio, text)
    return best[1] if best else None


def find_header(grid: pl.DataFrame, source: Source, where: str) -> HeaderMap:
    """The header reading among the first rows that names the most known fields (ties: the first)."""
    reading = _best_reading(grid, source)
    if reading is None:
        expected = "、".join(f.label for f in source.fields if f.required or f.name in ("name", "id_number"))
        raise NoHeaderError(
            where,
            f"no header row found in the first {HEADER_SCAN_ROWS} rows for source {source.name}; "
            f"expected columns like {expected} | 未找到表头",
        )
    pos, used, mapping, texts = reading
    last = grid.row(pos + used - 1, named=True)
    unknown = tuple(t for c, t in texts.items() if c not in mapping)
    missing = [f for f in source.fields if f.required and f.name not in mapping.values()]
    if missing:
        found = [t for t in texts.values() if t]
        closest = {f.label: near for f in missing if (near := _closest(f.headers, found)) is not None}
        parts = []
        for f in missing:
            hint = f" (closest header found: {closest[f.label]!r})" if f.label in closest else ""
            parts.append(f"{f.label}{hint}")
        raise MissingColumnsError(
            where,
            f"required column(s) missing for source {source.name}: {'; '.join(parts)}; "
            f"header row {last['row_no']} has {found} | 缺少必填列 {'、'.join(f.label for f in missing)}",
            missing=tuple(f.label for f in missing),
            found=tuple(found),
            closest=closest,
        )
    someone = [f for f in source.fields if f.name in source.one_of]
    if someone and not ({f.name for f in someone} & set(mapping.values())):
        labels = "/".join(f.label for f in someone)
        raise MissingColumnsError(
            where,
            f"none of the columns {labels} was found (a row must say who it is about); header row "
            f"{last['row_no']} has {[t for t in texts.values() if t]} | 缺少{labels}列",
            missing=tuple(f.label for f in someone),
            found=tuple(t for t in texts.values() if t),
        )
    return HeaderMap(
        header_row_no=int(last["row_no"]),
        columns=mapping,
        unknown=unknown,
        header_rows=used,
        texts=texts,
    )
