"""Run the matcher over a source's raw rows and store the decisions in link.matches."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from pipelines.matching.calibration import NamePlaceCheck
from pipelines.matching.matcher import match_rows_detailed, name_place_check
from pipelines.matching.review import load_decisions, store_review
from schemas import get_source

PERSON_COLUMNS = (
    'person_id, household_id, name, id_norm, name_fold, name_pinyin, township, village, "group", birth_date,'
    " relation"
)
OPTIONAL_ROW_FIELDS = ("address", "birth_date")
"""Fields of raw.<source> the matcher uses as evidence when the source has them."""


def _source_rows(con: duckdb.DuckDBPyConnection, source_name: str, period: str | None) -> pl.DataFrame:
    """The source's raw rows delivered for `period` or earlier (all rows when None): a period is screened
    on what had arrived by then, so re-running an old month after later ones gives the same result."""
    fields = {f.name for f in get_source(source_name).fields}
    extra = "".join(f", r.{c}" for c in OPTIONAL_ROW_FIELDS if c in fields)
    # a list whose name column is headed 户主… names household heads (see the place tier)
    return con.sql(
        f"SELECT r.row_key, r.name, r.id_number, r.id_damaged{extra},"
        " coalesce(json_extract_string(b.column_map, '$.name.header') LIKE '%户主%', false) AS named_head"
        f" FROM raw.{source_name} r LEFT JOIN meta.batches b USING (batch_id)"
        " WHERE ?::VARCHAR IS NULL OR b.period IS NULL OR b.period <= ?::VARCHAR ORDER BY r.row_key",
        params=[period, period],
    ).pl()


def _persons(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(f"SELECT {PERSON_COLUMNS} FROM core.persons").pl()


def pooled_name_place(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str], period: str | None = None
) -> NamePlaceCheck:
    """How far a name and a village group alone can be trusted, measured on every listed source's rows
    whose ID tells who they are: who lives in the county unregistered does not depend on the department,
    and one small list alone shows too little (calibration)."""
    persons = _persons(con)
    total = NamePlaceCheck(0, 0)
    for source_name in sources:
        if "address" not in {f.name for f in get_source(source_name).fields}:
            continue
        total = total + name_place_check(_source_rows(con, source_name, period), persons)
    return total


def match_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    period: str,
    name_place: NamePlaceCheck | None = None,
) -> dict[str, int | float | str]:
    """Match every raw row of a source (decisions replace earlier ones, the review queue too); returns counts.

    Remembered review decisions (link.review_decisions) apply before the tiers. name_place: the
    name-and-group rule's measured reliability (pooled_name_place; default: this source's rows alone)."""
    rows = _source_rows(con, source_name, period)
    persons = _persons(con)
    result = match_rows_detailed(rows, persons, decisions=load_decisions(con), name_place=name_place)
    decisions = result.decisions.with_columns(
        pl.lit(source_name).alias("source"), pl.lit(period).alias("period")
    )
    con.execute("BEGIN TRANSACTION")
    try:
        store_review(con, source_name, period, rows, result.decisions, result.candidates, result.fingerprints)
        con.execute("DELETE FROM link.matches WHERE source = ?", [source_name])
        con.register("_decisions", decisions)
        con.execute(
            "INSERT INTO link.matches SELECT source, row_key, period, person_id, household_id, match_status,"
            " match_method, match_score, match_evidence, id_status FROM _decisions"
        )
        con.unregister("_decisions")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    counts = decisions.get_column("match_status").value_counts()
    by = dict(
        zip(counts.get_column("match_status").to_list(), counts.get_column("count").to_list(), strict=True)
    )
    total = decisions.height
    return {
        "source": source_name,
        "department": get_source(source_name).department,
        "rows": total,
        "matched": by.get("matched", 0),
        "ambiguous": by.get("ambiguous", 0),
        "unmatched": by.get("unmatched", 0),
        "match_rate": round(by.get("matched", 0) / total, 4) if total else 0.0,
    }
