"""Verification answers: the one definition of "the latest answer", and the one way answers are written.

The feedback import reads returned workbooks and hands the answers here; it never writes warn.* itself.
Writing an answer sets the answered warning's status (confirmed / closed) through the lifecycle.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from pipelines.warnings.tables import ensure_warning_tables, verification_columns, verification_names

_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DATE": pl.Date(),
    "BIGINT": pl.Int64(),
    "INTEGER": pl.Int32(),
    "BOOLEAN": pl.Boolean(),
    "TIMESTAMP": pl.Datetime("us"),
}


def verification_schema() -> dict[str, pl.DataType]:
    """The polars schema of warn.verifications rows."""
    return {n: _POLARS_TYPES[t] for n, t in verification_columns()}


def latest_verifications_sql(where: str = "") -> str:
    """The one definition of "the latest answer": per warning, its highest revision (a correction replaces
    an earlier answer; the history stays in warn.verifications). `where` filters before choosing. The
    analyst view is built on this text, so analysts and the pipeline cannot disagree."""
    columns = ", ".join(f'"{n}"' for n in verification_names())
    return (
        f"SELECT {columns} FROM warn.verifications {'WHERE ' + where if where else ''}"
        " QUALIFY row_number() OVER (PARTITION BY warning_id ORDER BY revision DESC) = 1"
    )


def latest_verifications(
    con: duckdb.DuckDBPyConnection,
    up_to_period: str | None = None,
    *,
    period: str | None = None,
    township: str | None = None,
) -> pl.DataFrame:
    """The latest answer (highest revision) per warning, with every column of warn.verifications.

    up_to_period: answers to warnings of that period or earlier; period / township: only those.
    Empty (with the columns) when nothing was imported yet. Sorted by period, township, visit, warning.
    """
    ensure_warning_tables(con)
    where, params = [], []
    for clause, value in (("period <= ?", up_to_period), ("period = ?", period), ("township = ?", township)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = f"{latest_verifications_sql(' AND '.join(where))} ORDER BY period, township, visit_id, warning_id"
    return con.sql(sql, params=params or None).pl().cast(verification_schema())  # type: ignore[arg-type]


def record_verifications(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, object]]) -> int:
    """Append answers (dicts with the verification_names() keys) and set the answered warnings' status; returns rows.

    Call inside the caller's transaction: the answers and the statuses they imply land together."""
    from pipelines.warnings.lifecycle import refresh_status

    if not rows:
        return 0
    ensure_warning_tables(con)
    frame = pl.DataFrame(list(rows), schema=verification_schema())
    names = ", ".join(f'"{n}"' for n in frame.columns)
    con.register("_answers", frame)
    try:
        con.execute(f"INSERT INTO warn.verifications ({names}) SELECT * FROM _answers")
    finally:
        con.unregister("_answers")
    refresh_status(con)
    return frame.height
