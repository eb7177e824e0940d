"""core.persons and core.households from the latest loaded registry export.

The registry is a snapshot: each run rebuilds core from the newest registry batch, so a corrected
registry replaces the old picture instead of mixing with it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.normalize.idcard import id_columns
from pipelines.normalize.names import add_name_keys
from pipelines.warehouse import fetch_one

SEGMENT_LABELS = {"poverty_exit": "脱贫户", "monitored": "监测户", "ordinary": "一般农户"}


class RegistryMissing(Exception):
    """No registry export has been loaded: nothing can be matched."""


def segment_expr() -> pl.Expr:
    """monitored (a monitoring type, risk not eliminated) > poverty_exit (脱贫户) > ordinary."""
    monitored = (pl.col("monitoring_type").fill_null("").str.strip_chars() != "") & (
        pl.col("risk_eliminated").fill_null("").str.strip_chars() != "是"
    )
    exit_ = pl.col("household_type").fill_null("").str.contains("脱贫")
    return (
        pl.when(monitored)
        .then(pl.lit("monitored"))
        .when(exit_)
        .then(pl.lit("poverty_exit"))
        .otherwise(pl.lit("ordinary"))
    )


def prepare_persons(raw: pl.DataFrame) -> pl.DataFrame:
    """Registry rows (canonical fields) → persons with ID/name keys, person_id, birth_date, segment."""
    for c in ("person_id", "birth_date", "monitoring_type", "risk_eliminated", "household_type", "relation",
              "phone", "helper", "helper_phone"):  # fmt: skip
        if c not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    persons = raw.with_columns(id_columns(pl.col("id_number")))
    persons = add_name_keys(persons, "name", "name")
    return persons.with_columns(
        pl.coalesce(
            pl.col("person_id"),
            pl.col("household_id") + "-" + pl.int_range(1, pl.len() + 1).over("household_id").cast(pl.String),
        ).alias("person_id"),
        pl.coalesce(
            pl.col("birth_date").cast(pl.Date, strict=False),
            pl.col("id_norm").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False),
        ).alias("birth_date"),
        segment_expr().alias("segment"),
    )


def read_registry_file(path: Path) -> pl.DataFrame:
    """A registry export (XLSX/CSV) read by the same reader, header mapping, validation and typing as
    the monthly ingest (pipelines.ingest.loader.read_typed), as prepared persons: for ad hoc matching
    with --registry, without a warehouse."""
    from pipelines.ingest.tables import read_typed

    typed, _ = read_typed(path, "registry")
    return prepare_persons(typed)


def build_core(con: duckdb.DuckDBPyConnection, period: str | None = None) -> dict[str, int]:
    """Rebuild core.persons / core.households from the registry export as of `period`: the latest one
    loaded for that period or before (a later month's export is not yet known to an old month re-run),
    else the earliest one there is. None: the latest loaded. Returns their row counts."""
    latest = fetch_one(
        con,
        "SELECT batch_id FROM meta.batches WHERE source = 'registry' AND status = 'loaded'"
        " ORDER BY (?::VARCHAR IS NULL OR period <= ?::VARCHAR) DESC,"
        " CASE WHEN ?::VARCHAR IS NULL OR period <= ?::VARCHAR THEN period END DESC NULLS LAST, period,"
        " loaded_at DESC, batch_id LIMIT 1",
        [period, period, period, period],
    )
    if latest is None:
        raise RegistryMissing("no registry export loaded: put the registry XLSX/CSV in data/registry/")
    raw = con.sql("SELECT * FROM raw.registry WHERE batch_id = ? ORDER BY row_no", params=[latest[0]]).pl()
    persons = prepare_persons(raw)
    heads = (
        persons.sort("household_id", pl.col("relation") != "户主", "row_no")
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("name").first().alias("head_name"), pl.col("person_id").first().alias("head_person_id"))
    )
    households = (
        persons.group_by("household_id", maintain_order=True)
        .agg(
            pl.col("township").first(),
            pl.col("village").first(),
            pl.col("group").first(),
            pl.col("household_type").first(),
            pl.col("monitoring_type").first(),
            pl.col("risk_eliminated").first(),
            pl.col("segment").first(),
            pl.col("income_per_capita").first(),
            pl.col("grid").first(),
            pl.col("grid_worker").first(),
            # the household's contacts, where the export carries them (blank on some members' rows)
            *(pl.col(c).drop_nulls().first().alias(c) for c in ("phone", "helper", "helper_phone")),
            pl.len().alias("members"),
        )
        .join(heads, on="household_id", how="left")
        .sort("household_id")
    )
    person_cols = [
        "person_id",
        "household_id",
        "name",
        "id_number",
        "id_norm",
        "id_status",
        "name_fold",
        "name_pinyin",
        "sex",
        "birth_date",
        "relation",
        "township",
        "village",
        "group",
        "segment",
    ]
    con.register("_persons", persons.select(person_cols).sort("person_id"))
    con.register("_households", households)
    con.execute("CREATE OR REPLACE TABLE core.persons AS SELECT * FROM _persons")
    con.execute("CREATE OR REPLACE TABLE core.households AS SELECT * FROM _households")
    con.unregister("_persons")
    con.unregister("_households")
    return {"persons": persons.height, "households": households.height}
