"""Warnings: rule hits joined to households and persons, keyed (period, household, rule).

A rerun of a period replaces that period's warnings (never duplicates them). Status is `new` the
first time a household trips a rule and `repeated` when an earlier period already warned of it;
escalation, suppression after a "no risk" verification and closing are the lifecycle's next step.
"""

from __future__ import annotations

import duckdb
import polars as pl

WARNING_COLUMNS = [
    "warning_id",
    "period",
    "household_id",
    "township",
    "village",
    "group",
    "head_name",
    "household_type",
    "monitoring_type",
    "segment",
    "person_ids",
    "person_names",
    "person_id_numbers",
    "rule_id",
    "cause",
    "cause_label",
    "title",
    "severity",
    "source",
    "department",
    "evidence",
    "measures",
    "row_keys",
    "match_evidence",
    "match_score",
    "status",
    "first_seen",
]


def warning_key(period: str, household_id: str, rule_id: str) -> str:
    return f"{period}-{household_id}-{rule_id}"


def build_warnings(con: duckdb.DuckDBPyConnection, hits: pl.DataFrame, period: str) -> pl.DataFrame:
    """Turn rule hits into warning rows and store them as the period's warnings."""
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
    frame = con.sql(
        """
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
        earlier AS (
            SELECT household_id, rule_id, min(first_seen) AS first_seen
            FROM warn.warnings WHERE period < ? GROUP BY ALL
        )
        SELECT ? || '-' || h.household_id || '-' || h.rule_id AS warning_id, ?::VARCHAR AS period,
               h.household_id, hh.township, hh.village, hh."group", hh.head_name, hh.household_type,
               hh.monitoring_type, hh.segment, array_to_string(h.person_ids, '、') AS person_ids,
               people.person_names, people.person_id_numbers, h.rule_id, h.cause, h.cause_label, h.title,
               h.severity, h.source, h.department, h.evidence, h.measures,
               array_to_string(h.row_keys, '、') AS row_keys, evidence.match_evidence, evidence.match_score,
               CASE WHEN earlier.first_seen IS NULL THEN 'new' ELSE 'repeated' END AS status,
               coalesce(earlier.first_seen, ?) AS first_seen
        FROM h
        JOIN core.households hh ON hh.household_id = h.household_id
        LEFT JOIN people ON people.household_id = h.household_id AND people.rule_id = h.rule_id
        LEFT JOIN evidence ON evidence.household_id = h.household_id AND evidence.rule_id = h.rule_id
        LEFT JOIN earlier ON earlier.household_id = h.household_id AND earlier.rule_id = h.rule_id
        ORDER BY hh.township, hh.village, h.household_id, h.rule_id
        """,
        params=[period, period, period, period],
    ).pl()
    con.unregister("_hits")
    frame = frame.select(WARNING_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM warn.warnings WHERE period = ?", [period])
        con.register("_w", frame)
        con.execute("INSERT INTO warn.warnings SELECT * FROM _w")
        con.unregister("_w")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return frame
