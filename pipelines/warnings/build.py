"""Warnings: rule hits joined to households and persons, keyed (period, household, rule), stored per period.

The stable key of a warning across periods is (household_id, rule_id); `warning_id` adds the period.
A rerun of a period replaces that period's warnings (never duplicates them); the lifecycle
(pipelines.warnings.lifecycle) then labels them and every later screened period's.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from pipelines.warnings.lifecycle import LifecycleParams, relabel
from pipelines.warnings.tables import WARNING_NAMES, ensure_warning_tables
from pipelines.warnings.vocab import NOT_REFIRED_LABEL, OPEN_STATUSES, REFIRED_LABEL


def build_warnings(
    con: duckdb.DuckDBPyConnection,
    hits: pl.DataFrame,
    period: str,
    *,
    lifecycle: LifecycleParams | None = None,
) -> pl.DataFrame:
    """Turn rule hits into warning rows with their lifecycle status and store them as the period's warnings.

    Records the period as screened (with no warning at all too: a rule that stopped firing is then
    "quiet since" this period) and relabels it and every later screened period. Returns every row stored
    for the period, suppressed ones included (status `suppressed`), in warning_id order.
    """
    lifecycle = lifecycle or LifecycleParams()
    ensure_warning_tables(con)
    con.register(
        "_hits",
        hits.select(
            "rule_id",
            "cause",
            "cause_label",
            "title",
            "severity",
            "source",
            "department",
            "household_id",
            "person_ids",
            "row_keys",
            "measures",
            pl.col("message").alias("evidence"),
        ),
    )
    have = {r[0] for r in con.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' AND table_name = 'households'"
    ).fetchall()}  # fmt: skip
    contacts = ", ".join(
        f"hh.{c} AS {alias}" if c in have else f"NULL::VARCHAR AS {alias}"
        for c, alias in (("phone", "household_phone"), ("helper", "helper"), ("helper_phone", "helper_phone"))
    )
    frame = con.sql(
        f"""
        WITH h AS (SELECT * FROM _hits),
        people AS (
            SELECT h.household_id, h.rule_id,
                   string_agg(p.name, '、' ORDER BY p.person_id) AS person_names,
                   string_agg(p.id_number, '、' ORDER BY p.person_id) AS person_id_numbers
            FROM h, unnest(h.person_ids) AS u(pid) JOIN core.persons p ON p.person_id = u.pid
            GROUP BY ALL
        ),
        evidence AS (
            SELECT h.household_id, h.rule_id,
                   string_agg(DISTINCT m.match_evidence, '；' ORDER BY m.match_evidence) AS match_evidence,
                   min(m.match_score) AS match_score
            FROM h, unnest(h.row_keys) AS u(rk) JOIN link.matches m ON m.row_key = u.rk AND m.source = h.source
            GROUP BY ALL
        ),
        SELECT ? || '-' || h.household_id || '-' || h.rule_id AS warning_id, ?::VARCHAR AS period,
               h.household_id, hh.township, hh.village, hh."group", hh.head_name, hh.household_type,
               hh.monitoring_type, hh.segment, array_to_string(h.person_ids, '、') AS person_ids,
               people.person_names, people.person_id_numbers, h.rule_id, h.cause, h.cause_label, h.title,
               h.severity, h.source, h.department, h.evidence, h.measures,
               array_to_string(h.row_keys, '、') AS row_keys, evidence.match_evidence, evidence.match_score,
               {contacts}
        FROM h
        JOIN core.households hh ON hh.household_id = h.household_id
        LEFT JOIN people ON people.household_id = h.household_id AND people.rule_id = h.rule_id
        LEFT JOIN evidence ON evidence.household_id = h.household_id AND evidence.rule_id = h.rule_id
        ORDER BY hh.township, hh.village, h.household_id, h.rule_id
        """,
        params=[period, period],
    ).pl()
    con.unregister("_hits")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM warn.warnings WHERE period = ?", [period])
        con.register("_w", frame)
        con.execute("INSERT INTO warn.warnings BY NAME SELECT * FROM _w")
        con.unregister("_w")
        con.execute(
            "INSERT OR REPLACE INTO warn.screened_periods VALUES (?, ?)",
            [period, datetime.now().replace(microsecond=0)],
        )
        relabel(con, period, lifecycle)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return period_warnings(con, period)


def period_warnings(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Every stored warning of `period` (all columns of warn.warnings), in warning_id order."""
    ensure_warning_tables(con)
    columns = ", ".join(f'"{c}"' for c in WARNING_NAMES)
    return con.sql(
        f"SELECT {columns} FROM warn.warnings WHERE period = ? ORDER BY warning_id", params=[period]
    ).pl()


def screened_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The periods screened so far, oldest first."""
    ensure_warning_tables(con)
    return [r[0] for r in con.sql("SELECT period FROM warn.screened_periods ORDER BY period").fetchall()]


def open_before(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """Warnings of periods before `period` still open (sent, never answered), each with whether its rule
    fired again for the household in `period`: only an answer closes a warning, so these stay on the
    county's list (本期再次触发 / 本期未再触发) until the township answers them."""
    ensure_warning_tables(con)
    return con.sql(
        f"""
        SELECT w.period, w.township, w.village, w.household_id, w.rule_id, w.cause_label, w.title,
               w.status, CASE WHEN n.warning_id IS NULL THEN '{NOT_REFIRED_LABEL}' ELSE '{REFIRED_LABEL}' END
                   AS this_period
        FROM warn.warnings w
        LEFT JOIN warn.warnings n
               ON n.period = ? AND n.household_id = w.household_id AND n.rule_id = w.rule_id
        WHERE w.period < ? AND w.status IN ?
        ORDER BY w.township, w.village, w.household_id, w.period, w.rule_id
        """,
        params=[period, period, list(OPEN_STATUSES)],
    ).pl()


def counts_by_township_cause(
    con: duckdb.DuckDBPyConnection, period: str, *, sent_only: bool = False
) -> pl.DataFrame:
    """Township × cause: warnings and distinct households of `period` (sent_only: without the suppressed
    ones, which never reach a township). Reads only: a read-only connection will do."""
    shown = "AND coalesce(status, '') <> 'suppressed'" if sent_only else ""
    return con.sql(
        f"""
        SELECT township, cause_label, count(*) AS warnings, count(DISTINCT household_id) AS households
        FROM warn.warnings WHERE period = ? {shown} GROUP BY ALL ORDER BY township, cause_label
        """,
        params=[period],
    ).pl()


def open_warnings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every warning sent to a township and not answered yet, any period (period, township, warning_id)."""
    return con.sql(
        "SELECT period, township, warning_id FROM warn.warnings WHERE status IN ? ORDER BY warning_id",
        params=[list(OPEN_STATUSES)],
    ).pl()
