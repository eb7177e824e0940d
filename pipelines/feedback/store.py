"""Feedback tables: every returned file and every answer, append-only so history is never lost.

warn.feedback_files: one row per distinct returned file (by content sha256), refused ones included.
warn.verifications: one row per (visit, warning) answer; a later different answer for the same visit is a
new revision (`is_correction`), the latest revision wins, earlier ones stay as history.
warn.feedback_issues: every problem found in a returned file, with sheet and row.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.warnings import ensure_lifecycle_columns

DDL = """
CREATE TABLE IF NOT EXISTS warn.feedback_files (
    file_sha256 VARCHAR PRIMARY KEY, file VARCHAR, township VARCHAR, period VARCHAR, fingerprint VARCHAR,
    status VARCHAR, message VARCHAR, rows_applied BIGINT, rows_corrected BIGINT, rows_unchanged BIGINT,
    rows_pending BIGINT, rows_rejected BIGINT, imported_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS warn.verifications (
    visit_id VARCHAR, warning_id VARCHAR, period VARCHAR, township VARCHAR, household_id VARCHAR,
    rule_id VARCHAR, outcome VARCHAR, note VARCHAR, verifier VARCHAR, verified_on DATE, reviewer VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, sheet VARCHAR, sheet_row BIGINT, revision INTEGER,
    is_correction BOOLEAN, imported_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS warn.feedback_issues (
    file_sha256 VARCHAR, file VARCHAR, sheet VARCHAR, sheet_row BIGINT, visit_id VARCHAR, level VARCHAR,
    code VARCHAR, message_zh VARCHAR, message_en VARCHAR, imported_at TIMESTAMP
);
"""

#: Columns of the answer that make two answers "the same" (a re-import of them applies nothing).
ANSWER_COLUMNS = ("outcome", "note", "verifier", "verified_on", "reviewer")


def ensure_feedback_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the feedback tables and the lifecycle columns of warn.warnings (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS warn")
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)
    ensure_lifecycle_columns(con)


def latest_verifications(con: duckdb.DuckDBPyConnection, up_to_period: str | None = None) -> pl.DataFrame:
    """The latest answer per (visit, warning), optionally for periods up to `up_to_period`.

    Columns: warning_id, visit_id, period, township, household_id, rule_id, outcome, verified_on, verifier,
    revision. Empty (with those columns) when nothing was imported yet.
    """
    ensure_feedback_schema(con)
    where = "WHERE period <= ?" if up_to_period else ""
    params = [up_to_period] if up_to_period else None
    return con.sql(
        f"""
        SELECT warning_id, visit_id, period, township, household_id, rule_id, outcome, verified_on, verifier,
               revision
        FROM warn.verifications {where}
        QUALIFY row_number() OVER (PARTITION BY visit_id, warning_id ORDER BY revision DESC) = 1
        ORDER BY period, township, visit_id, warning_id
        """,
        params=params,
    ).pl()
