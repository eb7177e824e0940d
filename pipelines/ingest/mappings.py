"""Ask once: a county's confirmed column mappings, remembered by header signature.

When a file's reading is genuinely uncertain (the department cannot be told, a required column is
missing or only weakly recognised), the loader does not guess: it writes a *proposal* —
`<data>/county/mappings/<source>_<signature>.yaml` with the department, every header → field with its
confidence and sample values, and the unmapped headers — and refuses the file with a message naming
that file. The officer corrects the proposal once and sets `confirmed: true`; from then on every file
whose header row has the same signature (the same header texts, folded, in the same order) maps by it,
whatever folder it arrives in. `dixian sources map FILE` writes the same proposal on demand.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines.ingest.errors import IngestError
from pipelines.ingest.header import HEADER_SCAN_ROWS, HeaderMap
from pipelines.ingest.meaning import fold, unit_scale
from schemas import all_sources, get_source
from schemas.yamltext import load_yaml

MAPPINGS_DIR = "mappings"
SAMPLE_VALUES = 3


class MappingError(IngestError):
    """A confirmed mapping file is malformed: names the file and the entry (a file that would use it is
    refused with this message; the run goes on)."""

    category = "bad_mapping"

    def __init__(self, file: Path | str, detail: str) -> None:
        super().__init__(file, f"confirmed mapping {file}: {detail}")


def header_signature(texts: list[str]) -> str:
    """A short stable fingerprint of a header row: its non-blank texts, folded, in order."""
    folded = [fold(t) for t in texts if t is not None and fold(t)]
    return hashlib.sha1("|".join(folded).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Mapping:
    """A confirmed mapping: which source, and which header text holds which field (None: not loaded)."""

    source: str
    signature: str
    columns: tuple[tuple[str, str | None], ...]
    """(header text, field or None) in the header row's order; a header text may repeat."""
    path: Path


def _row_texts(row: dict, cols: list[str]) -> list[str]:
    return [str(row[c]) if row.get(c) is not None else "" for c in cols]


def load_mappings(county_dir: Path | None) -> dict[str, Mapping]:
    """Confirmed mappings of the county by signature; proposals not yet confirmed are ignored."""
    if county_dir is None:
        return {}
    folder = county_dir / MAPPINGS_DIR
    if not folder.is_dir():
        return {}
    out: dict[str, Mapping] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise MappingError(path, f"not valid YAML ({exc}) | 表头对应文件格式错误") from exc
        if not isinstance(data, dict) or data.get("confirmed") is not True:
            continue
        source = data.get("source")
        if source not in all_sources():
            raise MappingError(
                path, f"source {source!r} is not a catalogue source ({', '.join(all_sources())})"
            )
        fields = set(get_source(source).field_names)
        columns: list[tuple[str, str | None]] = []
        for item in data.get("columns") or []:
            if not isinstance(item, dict):
                raise MappingError(path, f"columns: expected {{header: …, field: …}} items, got {item!r}")
            header, field = str(item.get("header", "")), item.get("field")
            if field is not None and field not in fields:
                raise MappingError(
                    path, f"header {header!r}: {source} has no field {field!r}; fields: {sorted(fields)}"
                )
            if field is not None and field in {f for _, f in columns}:
                raise MappingError(path, f"field {field!r} is given to two headers; give it to one")
            columns.append((header, field))
        signature = header_signature([h for h, _ in columns])
        out[signature] = Mapping(source, signature, tuple(columns), path)
    return out


def find_mapped_header(grid: pl.DataFrame, mappings: dict[str, Mapping]) -> tuple[Mapping, HeaderMap] | None:
    """The first header row among the first rows whose signature a confirmed mapping knows."""
    if not mappings:
        return None
    cols = [c for c in grid.columns if c != "row_no"]
    for row in grid.head(HEADER_SCAN_ROWS).iter_rows(named=True):
        texts = _row_texts(row, cols)
        mapping = mappings.get(header_signature(texts))
        if mapping is None:
            continue
        # the signature matched: the row's non-blank cells are the mapping's headers, in order
        filled = [c for c, t in zip(cols, texts, strict=True) if fold(t)]
        columns = {c: f for c, (_, f) in zip(filled, mapping.columns, strict=True) if f is not None}
        types = {f.name: f.type for f in get_source(mapping.source).fields}
        scales = {
            f: unit_scale(t)
            for c, t in zip(cols, texts, strict=True)
            if (f := columns.get(c)) is not None and types[f] == "amount" and unit_scale(t) != 1.0
        }
        header = HeaderMap(
            header_row_no=int(row["row_no"]),
            columns=columns,
            unknown=tuple(t for c, t in zip(cols, texts, strict=True) if t and c not in columns),
            texts={c: t for c, t in zip(cols, texts, strict=True) if t},
            confidence=dict.fromkeys(columns.values(), 1.0),
            scales=scales,
        )
        return mapping, header
    return None


def proposal(
    grid: pl.DataFrame,
    header: HeaderMap | None,
    source: str | None,
    file: str,
    reason: str,
    candidates: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A mapping proposal for one sheet: the department, every header → field with its confidence and
    sample values, and what to do with it."""
    cols = [c for c in grid.columns if c != "row_no"]
    if header is not None:
        header_row = header.header_row_no
        texts = [header.texts.get(c, "") if header.texts else "" for c in cols]
    else:
        first = next(
            (
                r
                for r in grid.head(HEADER_SCAN_ROWS).iter_rows(named=True)
                if sum(v is not None for v in r.values()) > 2
            ),
            None,
        )
        header_row = int(first["row_no"]) if first else 1
        texts = _row_texts(first, cols) if first else []
    body = grid.filter(pl.col("row_no") > header_row)
    items = []
    for c, text in zip(cols, texts, strict=False):
        if not text:
            continue
        field = header.columns.get(c) if header is not None else None
        samples = [str(v) for v in body.get_column(c).drop_nulls().head(SAMPLE_VALUES).to_list()]
        items.append(
            {
                "header": text,
                "field": field,
                "confidence": header.confidence.get(field, 0.0) if header is not None and field else 0.0,
                "samples": [s if len(s) <= 40 else s[:40] + "…" for s in samples],
            }
        )
    fields = get_source(source).field_names if source in all_sources() else []
    return {
        "confirmed": False,
        "source": source,
        "department": get_source(source).department if source in all_sources() else None,
        "candidates": list(candidates),
        "file": file,
        "header_row": header_row,
        "why": reason,
        "how_to_confirm": (
            "核对每一列的 field（不需要的列写 null），确认 source 正确后把 confirmed 改为 true；"
            "此后表头相同的文件都按此对应入库 | check each column's field (null: not loaded), the source, "
            "then set confirmed: true; files with the same header row will map by it"
        ),
        "fields_of_source": fields,
        "columns": items,
    }


def write_proposal(county_dir: Path, prop: dict[str, Any]) -> Path:
    """Write (atomically) a proposal under county/mappings/; an existing confirmed mapping is kept."""
    sig = header_signature([c["header"] for c in prop["columns"]])
    folder = county_dir / MAPPINGS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{prop.get('source') or 'unknown'}_{sig}.yaml"
    if target.exists():
        existing = load_yaml(target.read_text(encoding="utf-8")) or {}
        if isinstance(existing, dict) and existing.get("confirmed") is True:
            return target
    text = yaml.safe_dump(prop, allow_unicode=True, sort_keys=False, width=120)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
    return target
