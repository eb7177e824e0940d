"""The DuckDB warehouse: connection, schemas by stage, and the tables every stage writes.

Schemas: meta (batches, runs), raw (one table per source, typed), quarantine (rejected rows with
reasons), core (persons, households from the registry), link (matches, facts per source),
warn (warnings). Tables are created idempotently; each stage replaces or appends under its own key.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import polars as pl

from pipelines.warnings.tables import ensure_warning_tables
from schemas import all_sources, get_source
from schemas.base import Source, raw_text_fields

STAGE_SCHEMAS = ("meta", "raw", "quarantine", "core", "link", "warn", "analyst")

SQL_TYPES = {"date": "DATE", "amount": "DOUBLE", "int": "DOUBLE"}


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse (DuckDB allows one writer and locks out everyone else)."""


def register_frame(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Make a polars frame readable as a view without copying its text: handed over as Arrow with
    polars' own string views, which DuckDB reads as they are (a plain register converts every string to
    Arrow's older layout first: a second copy of all the text of a million-row file)."""
    con.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))


BUSY_WAIT_SECONDS = float(os.environ.get("DIXIAN_BUSY_WAIT_SECONDS", "60"))
"""How long a stage waits for another process (an analyst who opened the warehouse itself, a
`dixian ingest`) to let go of the warehouse before the run stops with WarehouseBusy."""


def connect(
    path: Path | str, *, read_only: bool = False, wait: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; extensions never auto-install (no network at run time). While another process
    holds it, retry for `wait` seconds (default BUSY_WAIT_SECONDS), saying so once, then raise
    WarehouseBusy: a reader opening the warehouse between two stages no longer aborts a run."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (BUSY_WAIT_SECONDS if wait is None else wait)
    said = False
    while True:
        try:
            con = duckdb.connect(
                str(path), read_only=read_only, config={"autoinstall_known_extensions": False}
            )
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is in use by another process (another run, or an open analyst session): "
                    f"wait for it to finish, or read the published copy instead. ({exc})"
                ) from exc
            if not said:
                print(
                    f"数据仓库被其他程序占用，等待中… | {path} is in use by another process; waiting",
                    flush=True,
                )
                said = True
            time.sleep(0.5)
    if not read_only:
        ensure_schema(con)
    return con


def raw_columns(source: Source) -> list[tuple[str, str]]:
    """Typed columns of raw.<source>: bookkeeping first, then the canonical fields."""
    cols = [
        ("batch_id", "VARCHAR"),
        ("row_key", "VARCHAR"),
        ("file", "VARCHAR"),
        ("sheet", "VARCHAR"),
        ("row_no", "BIGINT"),
        ("id_damaged", "BOOLEAN"),
    ]
    cols += [(f.name, SQL_TYPES.get(f.type, "VARCHAR")) for f in source.fields]
    # category fields keep the department's own wording beside the canonical code (pipelines.ingest.vocab)
    cols += [(name, "VARCHAR") for name in raw_text_fields(source)]
    cols += VERSION_COLUMNS
    return cols


VERSION_COLUMNS = [("natural_key", "VARCHAR"), ("content_hash", "VARCHAR"), ("version", "INTEGER")]
"""Row versioning (pipelines.ingest.loader): natural_key is 'k:' + the source's key fields joined by
'|', or 'h:' + content_hash when a key field is blank; content_hash is md5 over the canonical fields;
version counts 1, 2, … per natural key. Readers wanting the current state take the highest version."""


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


DDL = """
CREATE TABLE IF NOT EXISTS meta.batches (
    batch_id VARCHAR PRIMARY KEY, source VARCHAR, period VARCHAR, file VARCHAR, sha256 VARCHAR,
    status VARCHAR, message VARCHAR, encoding VARCHAR, sheets VARCHAR, unknown_columns VARCHAR,
    rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, rows_ignored BIGINT,
    loaded_at TIMESTAMP DEFAULT current_timestamp
);
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS rows_unchanged BIGINT;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS rows_changed BIGINT;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS category VARCHAR;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS sheets_ignored VARCHAR;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS id_problems VARCHAR;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS unknown_values VARCHAR;
ALTER TABLE meta.batches ADD COLUMN IF NOT EXISTS column_map VARCHAR;
CREATE TABLE IF NOT EXISTS meta.ignored (
    batch_id VARCHAR, source VARCHAR, file VARCHAR, sheet VARCHAR, row_no BIGINT, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.runs (
    run_id VARCHAR PRIMARY KEY, period VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    status VARCHAR, summary VARCHAR
);
CREATE TABLE IF NOT EXISTS meta.period_issues (
    period VARCHAR PRIMARY KEY, first_issued_on DATE, recorded_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS meta.stage_runs (
    period VARCHAR, stage VARCHAR, fingerprint VARCHAR, result VARCHAR, finished_at TIMESTAMP,
    PRIMARY KEY (period, stage)
);
CREATE TABLE IF NOT EXISTS quarantine.rows (
    batch_id VARCHAR, source VARCHAR, file VARCHAR, sheet VARCHAR, row_no BIGINT,
    column_name VARCHAR, value VARCHAR, reason_zh VARCHAR, reason_en VARCHAR, row_json VARCHAR
);
CREATE TABLE IF NOT EXISTS link.matches (
    source VARCHAR, row_key VARCHAR, period VARCHAR, person_id VARCHAR, household_id VARCHAR,
    match_status VARCHAR, match_method VARCHAR, match_score DOUBLE, match_evidence VARCHAR,
    id_status VARCHAR
);

"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for schema in STAGE_SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)
    ensure_warning_tables(con)
    for name in all_sources():
        cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in raw_columns(get_source(name)))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({cols})")
        for col, sql_type in raw_columns(get_source(name)):  # warehouses made by an older catalogue
            con.execute(f"ALTER TABLE raw.{name} ADD COLUMN IF NOT EXISTS {quote_ident(col)} {sql_type}")


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row or None (DuckDB 2.0 relations have no fetchone())."""
    rows = con.sql(sql, params=params).fetchall() if params else con.sql(sql).fetchall()
    return rows[0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".", 1)
    row = fetch_one(
        con,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    )
    return bool(row and row[0])
