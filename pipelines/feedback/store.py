"""Feedback tables: every returned file and every answer, append-only so history is never lost.

warn.feedback_files: one row per distinct returned file (by content sha256), refused ones included.
The answers themselves (warn.verifications) belong to pipelines.warnings: the import writes them through
`record_verifications` and reads them through `latest_verifications`.
warn.feedback_issues: every problem found in a returned file, with sheet and row.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.warnings import ensure_warning_tables

DDL = """
CREATE TABLE IF NOT EXISTS warn.feedback_files (
    file_sha256 VARCHAR PRIMARY KEY, file VARCHAR, township VARCHAR, period VARCHAR, fingerprint VARCHAR,
    status VARCHAR, message VARCHAR, rows_applied BIGINT, rows_corrected BIGINT, rows_unchanged BIGINT,
    rows_pending BIGINT, rows_rejected BIGINT, imported_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS warn.feedback_issues (
    file_sha256 VARCHAR, file VARCHAR, sheet VARCHAR, sheet_row BIGINT, visit_id VARCHAR, level VARCHAR,
    code VARCHAR, message_zh VARCHAR, message_en VARCHAR, imported_at TIMESTAMP
);
"""


def ensure_feedback_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the feedback tables (and the warnings' own, which answers refer to); idempotent."""
    ensure_warning_tables(con)
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)


def returns_not_imported(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Files in the returns folder that were refused or skipped (file, status_zh, reason, at), oldest first:
    the county summary lists them so none is passed over without a word."""
    ensure_feedback_schema(con)
    return con.sql(
        "SELECT file, CASE status WHEN 'skipped' THEN '已跳过' ELSE '未导入' END AS status_zh,"
        " message AS reason, strftime(imported_at, '%Y-%m-%d %H:%M') AS at FROM warn.feedback_files"
        " WHERE status IN ('refused', 'skipped') ORDER BY imported_at, file"
    ).pl()
