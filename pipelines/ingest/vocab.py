"""Category values onto canonical codes, the raw text kept, unknown values counted (never refused).

For each enum field the lexicon's vocabulary (schemas/lexicon.yaml `vocab`, plus the county's) says
which code each wording means. The code goes into the field, the text as sent into `<field>_raw`; a
value no synonym fits leaves the code null (rules treat it as unknown) and is listed for the
department-quality report with its row count, so an officer can add it to the vocabulary.
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.lexicon import Lexicon
from pipelines.ingest.meaning import map_category
from schemas.base import Source

RAW_SUFFIX = "_raw"


def raw_name(field: str) -> str:
    return field + RAW_SUFFIX


def _lookup(values: list[str], table: list[tuple[str, str]]) -> dict[str, str | None]:
    return {v: map_category(v, table) for v in values}


def categorise(
    frame: pl.DataFrame, source: Source, lexicon: Lexicon
) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """Replace each enum field's text by its code (raw text in `<field>_raw`); returns the frame and,
    per field, the unknown values with their row counts (most frequent first)."""
    unknown: dict[str, dict[str, int]] = {}
    exprs = []
    for f in source.fields:
        if f.type != "enum":
            continue
        table = lexicon.table(source.name, f.name)
        raw = pl.col(f.name).str.strip_chars()
        raw = pl.when(raw != "").then(raw)
        values = frame.select(raw.alias("v")).get_column("v").drop_nulls().unique().sort().to_list()
        mapping = _lookup(values, table)
        code = raw.replace_strict(list(mapping), list(mapping.values()), default=None, return_dtype=pl.String)
        if f.derive_from:
            source_text = pl.col(f.derive_from).str.strip_chars()
            derived_values = (
                frame.get_column(f.derive_from).str.strip_chars().drop_nulls().unique().sort().to_list()
            )
            derived = _lookup(derived_values, table)
            from_other = source_text.replace_strict(
                list(derived), list(derived.values()), default=None, return_dtype=pl.String
            )
            code = pl.coalesce(code, pl.when(raw.is_null()).then(from_other))
        exprs += [code.alias(f.name), raw.alias(raw_name(f.name))]
        missed = [v for v, c in mapping.items() if c is None]
        if missed:
            counts = (
                frame.select(raw.alias("v"))
                .filter(pl.col("v").is_in(missed))
                .group_by("v")
                .len()
                .sort(["len", "v"], descending=[True, False])
            )
            unknown[f.name] = dict(counts.iter_rows())
    if not exprs:
        return frame, unknown
    return frame.with_columns(exprs), unknown
