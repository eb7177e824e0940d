"""The analyst schema: stable, documented views over the warehouse, and the published read-only copy.

Views are recreated after every run so they follow the tables; their columns are the contract
documented in data/README.md. Analysts never open the live warehouse (a DuckDB writer locks out
every other process, readers included): each run ends by publishing a consistent copy, swapped
into place atomically, which notebooks and `dixian sql` open read-only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse import table_exists
from schemas import department_sources, get_source

PUBLISHED_NAME = (
    "published.duckdb"  # not analyst.duckdb: a catalog named like the analyst schema is ambiguous
)


def _facts_union(con: duckdb.DuckDBPyConnection) -> str:
    parts = []
    for source in department_sources():
        if not table_exists(con, f"link.facts_{source}"):
            continue
        department = get_source(source).department.replace("'", "''")
        parts.append(
            f"""SELECT '{source}' AS source, '{department}' AS department, f.row_key, f.event_date,
                       f.name AS name_as_sent, f.person_id, f.household_id, f.segment, f.age,
                       m.match_status, m.match_method, m.match_score, m.match_evidence, m.id_status
                FROM link.facts_{source} f
                LEFT JOIN link.matches m ON m.source = '{source}' AND m.row_key = f.row_key"""
        )
    if not parts:
        return (
            "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS department, NULL::VARCHAR AS row_key,"
            " NULL::DATE AS event_date, NULL::VARCHAR AS name_as_sent, NULL::VARCHAR AS person_id,"
            " NULL::VARCHAR AS household_id, NULL::VARCHAR AS segment, NULL::INTEGER AS age,"
            " NULL::VARCHAR AS match_status, NULL::VARCHAR AS match_method, NULL::DOUBLE AS match_score,"
            " NULL::VARCHAR AS match_evidence, NULL::VARCHAR AS id_status WHERE false"
        )
    return "\nUNION ALL BY NAME\n".join(parts)


def _verifications(con: duckdb.DuckDBPyConnection) -> str:
    """The latest answer per (visit, warning): corrections replace earlier answers, history stays in warn."""
    if table_exists(con, "warn.verifications"):
        from pipelines.warnings import latest_verifications_sql

        return f"""SELECT warning_id, visit_id, period, township, household_id, rule_id, outcome, note, verifier,
                          verified_on, reviewer, revision, is_correction, imported_at
                   FROM ({latest_verifications_sql()})"""
    return (
        "SELECT NULL::VARCHAR AS warning_id, NULL::VARCHAR AS visit_id, NULL::VARCHAR AS period,"
        " NULL::VARCHAR AS township, NULL::VARCHAR AS household_id, NULL::VARCHAR AS rule_id,"
        " NULL::VARCHAR AS outcome, NULL::VARCHAR AS note, NULL::VARCHAR AS verifier, NULL::DATE AS verified_on,"
        " NULL::VARCHAR AS reviewer, NULL::INTEGER AS revision, NULL::BOOLEAN AS is_correction,"
        " NULL::TIMESTAMP AS imported_at WHERE false"
    )


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every analyst view; returns their names."""
    verifications = _verifications(con)
    outcome_col = "outcome"
    views = {
        "households": """
            SELECT household_id, township, village, "group", household_type, monitoring_type, segment,
                   head_name, members, income_per_capita, grid, grid_worker
            FROM core.households""",
        "persons": """
            SELECT person_id, household_id, name, id_number, id_status, sex, birth_date, relation,
                   township, village, "group", segment
            FROM core.persons""",
        "department_facts": _facts_union(con),
        "warnings": """
            SELECT warning_id, period, household_id, township, village, "group", head_name, segment,
                   person_names, rule_id, cause, cause_label, title, severity, source, department,
                   evidence, measures, match_evidence, match_score, status, first_seen, quiet_since
            FROM warn.warnings""",
        "verifications": verifications,
        "rule_precision": f"""
            WITH v AS ({verifications})
            SELECT w.rule_id, any_value(w.title) AS title, count(DISTINCT w.warning_id) AS warnings,
                   count(DISTINCT v.warning_id) AS verified,
                   count(DISTINCT v.warning_id) FILTER (WHERE v.{outcome_col} LIKE '风险属实%') AS confirmed,
                   CAST(count(DISTINCT v.warning_id) FILTER (WHERE v.{outcome_col} LIKE '风险属实%') AS DOUBLE)
                       / nullif(count(DISTINCT v.warning_id), 0) AS precision
            FROM warn.warnings w LEFT JOIN v ON v.warning_id = w.warning_id
            GROUP BY w.rule_id ORDER BY w.rule_id""",
        "data_quality": """
            SELECT b.source, b.period, b.file, b.status, b.message, b.rows_read, b.rows_loaded,
                   b.rows_quarantined, b.rows_ignored,
                   (SELECT count(*) FROM link.matches m WHERE m.source = b.source) AS rows_matched_total,
                   b.loaded_at
            FROM meta.batches b""",
        "quarantine": """
            SELECT source, file, sheet, row_no, column_name, value, reason_zh, reason_en FROM quarantine.rows""",
        "runs": "SELECT run_id, period, started_at, finished_at, status, summary FROM meta.runs",
    }
    for name, sql in views.items():
        con.execute(f"CREATE OR REPLACE VIEW analyst.{name} AS {sql}")
    return sorted(views)


def published_path(warehouse: Path) -> Path:
    return warehouse.with_name(PUBLISHED_NAME)


class CorruptWarehouse(RuntimeError):
    """The warehouse failed its check: it is not published, and the message says how to restore it."""


def verify_warehouse(warehouse: Path) -> int:
    """Read every row of every table (DuckDB checks each block's checksum as it reads it); raise
    CorruptWarehouse naming the table when one cannot be read. Returns the number of tables read."""
    where = "its catalogue"
    try:
        with duckdb.connect(
            str(warehouse), read_only=True, config={"autoinstall_known_extensions": False}
        ) as con:
            tables = con.sql(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY ALL"
            ).fetchall()
            for schema, table in tables:
                where = f"{schema}.{table}"
                # hashing the whole row makes DuckDB read (and checksum) every column
                con.sql(f'SELECT count(*), bit_xor(hash(t)) FROM "{schema}"."{table}" AS t').fetchall()
    except duckdb.Error as exc:
        published = published_path(warehouse)
        restore = (
            f"the last good copy is {published}: copy it over {warehouse} and run again"
            if published.exists()
            else "restore it from the bureau's backup, or delete it and run every period again"
        )
        raise CorruptWarehouse(
            f"数据仓库已损坏（{where} 无法读取），未发布分析副本 | the warehouse is corrupt ({where} cannot be "
            f"read: {exc}); the analysts' copy was not replaced; {restore}"
        ) from exc
    return len(tables)


def publish(warehouse: Path) -> Path:
    """Copy the warehouse (checkpointed, no open writer) and swap it into place atomically.

    Readers that have the old copy open keep reading it (the old inode); new readers see the new run
    whole. The warehouse is read in full first (verify_warehouse): a corrupt one never replaces the
    good copy. The caller must have closed its connections to `warehouse`.
    """
    verify_warehouse(warehouse)
    with duckdb.connect(str(warehouse), config={"autoinstall_known_extensions": False}) as con:
        create_views(con)
        con.execute("CHECKPOINT")
    target = published_path(warehouse)
    tmp = target.with_name(target.name + ".tmp")
    shutil.copyfile(warehouse, tmp)
    try:
        verify_warehouse(tmp)  # the copy itself: a write that raced the copy never reaches analysts
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def open_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published copy (what analysts and notebooks use)."""
    path = published_path(warehouse)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run `dixian run` (or `make demo`) first")
    return duckdb.connect(str(path), read_only=True, config={"autoinstall_known_extensions": False})


CHART_MAX_ROWS = 5_000
"""The most rows a notebook chart takes: charts get rows aggregated in DuckDB (a few hundred), never one
row per department row; altair drops a chart above its own limit, and a chart that silently disappears is
worse than an error that says why."""


def for_chart(frame: Any, what: str) -> Any:
    """`frame` unchanged when a chart may take it; ValueError naming the chart when it has too many rows."""
    if frame.height > CHART_MAX_ROWS:
        raise ValueError(f"{what}: {frame.height} rows for one chart (at most {CHART_MAX_ROWS}): aggregate")
    return frame
