"""The warn.* tables this package owns: warnings (lifecycle columns included), verifications, screened periods.

One definition of each table: the warehouse creates them through `ensure_warning_tables`, the feedback
import writes answers through `pipelines.warnings.verifications`, and everyone else reads them through
this package's functions, never with their own SQL against its tables.
"""

from __future__ import annotations

import duckdb

from pipelines.contracts import township_workbook

#: warn.warnings, in table order. One row per (period, household, rule).
WARNING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("warning_id", "VARCHAR"),
    ("period", "VARCHAR"),
    ("household_id", "VARCHAR"),
    ("township", "VARCHAR"),
    ("village", "VARCHAR"),
    ("group", "VARCHAR"),
    ("head_name", "VARCHAR"),
    ("household_type", "VARCHAR"),
    ("monitoring_type", "VARCHAR"),
    ("segment", "VARCHAR"),
    ("person_ids", "VARCHAR"),
    ("person_names", "VARCHAR"),
    ("person_id_numbers", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("cause", "VARCHAR"),
    ("cause_label", "VARCHAR"),
    ("title", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("source", "VARCHAR"),
    ("department", "VARCHAR"),
    ("evidence", "VARCHAR"),
    ("measures", "VARCHAR"),
    ("row_keys", "VARCHAR"),
    ("match_evidence", "VARCHAR"),
    ("match_score", "DOUBLE"),
    # the household's contacts from the registry export, where it carries them (the verification sheet)
    ("household_phone", "VARCHAR"),
    ("helper", "VARCHAR"),
    ("helper_phone", "VARCHAR"),
    # lifecycle (pipelines.warnings.lifecycle): derived from every screened period and the answers
    ("status", "VARCHAR"),
    ("first_seen", "VARCHAR"),
    ("build_status", "VARCHAR"),
    ("lifecycle_note", "VARCHAR"),
    ("closed_period", "VARCHAR"),
    ("close_reason", "VARCHAR"),
    ("quiet_since", "VARCHAR"),
)
WARNING_NAMES: tuple[str, ...] = tuple(name for name, _ in WARNING_COLUMNS)
LIFECYCLE_NAMES: tuple[str, ...] = (
    "status",
    "first_seen",
    "build_status",
    "lifecycle_note",
    "closed_period",
    "close_reason",
    "quiet_since",
)

_ANSWERED: tuple[tuple[str, str], ...] = (
    ("visit_id", "VARCHAR"),
    ("warning_id", "VARCHAR"),
    ("period", "VARCHAR"),
    ("township", "VARCHAR"),
    ("household_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
)
_PROVENANCE: tuple[tuple[str, str], ...] = (
    ("source_file", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("sheet", "VARCHAR"),
    ("sheet_row", "BIGINT"),
    ("revision", "INTEGER"),
    ("is_correction", "BOOLEAN"),
    ("imported_at", "TIMESTAMP"),
)


def verification_columns() -> tuple[tuple[str, str], ...]:
    """warn.verifications: one row per (visit, warning) answer, a different later answer a new revision.
    What was answered, then one column per column the township fills in (the workbook contract), then
    where the answer came from."""
    answers = tuple((c.key, c.sql_type) for c in township_workbook.fill_columns())
    return (*_ANSWERED, *answers, *_PROVENANCE)


def verification_names() -> tuple[str, ...]:
    return tuple(name for name, _ in verification_columns())


def _ddl(table: str, columns: tuple[tuple[str, str], ...], extra: str = "") -> str:
    body = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} ({body}{extra})"


def ensure_warning_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create warn.warnings, warn.verifications and warn.screened_periods; add columns a warehouse made by
    an earlier version lacks (idempotent)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS warn")
    con.execute(_ddl("warn.warnings", WARNING_COLUMNS, ", PRIMARY KEY (period, household_id, rule_id)"))
    for name, sql_type in WARNING_COLUMNS:
        con.execute(f'ALTER TABLE warn.warnings ADD COLUMN IF NOT EXISTS "{name}" {sql_type}')
    con.execute(_ddl("warn.verifications", verification_columns()))
    for name, sql_type in verification_columns():  # a column added to the workbook contract since
        con.execute(f'ALTER TABLE warn.verifications ADD COLUMN IF NOT EXISTS "{name}" {sql_type}')
    con.execute(
        "CREATE TABLE IF NOT EXISTS warn.screened_periods (period VARCHAR PRIMARY KEY, screened_at TIMESTAMP)"
    )
    # a warehouse screened before periods were recorded: its periods are those with warnings
    con.execute(
        "INSERT INTO warn.screened_periods SELECT DISTINCT period, NULL FROM warn.warnings ON CONFLICT DO NOTHING"
    )
