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
from schemas.base import Source, raw_text_name


def _codes(
    frame: pl.DataFrame, column: str, table: list[tuple[str, str]]
) -> tuple[pl.Expr, dict[str, str | None]]:
    """The code expression for one text column, mapped over its distinct (stripped) values only, and
    that value → code mapping (None: the vocabulary does not know the value)."""
    text = pl.col(column).str.strip_chars()
    values = frame.get_column(column).str.strip_chars().drop_nulls().unique().sort().to_list()
    mapping = {v: map_category(v, table) for v in values if v != ""}
    code = text.replace_strict(list(mapping), list(mapping.values()), default=None, return_dtype=pl.String)
    return code, mapping


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
        code, mapping = _codes(frame, f.name, table)
        if f.derive_from:
            from_other, _ = _codes(frame, f.derive_from, table)
            code = pl.coalesce(code, pl.when(raw.is_null()).then(from_other))
        exprs += [code.alias(f.name), raw.alias(raw_text_name(f.name))]
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
