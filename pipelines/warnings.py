"""Warnings: rule hits joined to households and persons, keyed (period, household, rule), and their lifecycle.

The stable key of a warning across periods is (household_id, rule_id); `warning_id` adds the period.
A rerun of a period replaces that period's warnings (never duplicates them). Status at build time:

- `new`: the household never tripped this rule before;
- `repeated`: an earlier period already warned of it;
- `escalated`: repeated, and a measure grew by at least `escalation_margin` since the last period the
  township was sent it (e.g. out_of_pocket_total +20%), or the household gained a cause it did not have then;
- `suppressed`: the township verified it as 无风险 within the last `suppress_months` months and it did not
  escalate: kept in the warehouse, left out of the township workbook.

Later changes: the feedback import sets `confirmed` (风险属实…) or `closed` (any other outcome) from the
latest verification; building a period closes the latest earlier warning of every (household, rule) that
no longer fires (`closed`, close_reason `not_firing`). `build_status` keeps the status the build gave.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
    "build_status",
    "lifecycle_note",
]

#: Columns the lifecycle adds to warn.warnings (pipelines/warehouse.py creates the table without them).
LIFECYCLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("build_status", "VARCHAR"),
    ("lifecycle_note", "VARCHAR"),
    ("closed_period", "VARCHAR"),
    ("close_reason", "VARCHAR"),
)

#: Outcomes that mean "this is a real risk": the warning stays open as `confirmed`.
CONFIRMED_PREFIX = "风险属实"
#: The outcome that suppresses a (household, rule) for `suppress_months`.
NO_RISK = "无风险"
#: Statuses shown to townships (suppressed ones are not sent).
OPEN_STATUSES = ("new", "repeated", "escalated")


@dataclass(frozen=True)
class LifecycleParams:
    """Lifecycle knobs; `lifecycle_params` reads them from rules/parameters.yaml."""

    escalation_margin: float = 0.2
    """Relative growth of any measure (0.2 = +20%) since the last warned period that escalates."""
    suppress_months: int = 3
    """Months after a 无风险 verification during which the warning is suppressed unless it escalates."""


def lifecycle_params(params: Any, period: str) -> LifecycleParams:
    """LifecycleParams from a rulebook Parameters object (names `lifecycle.*`); defaults where absent."""
    values: dict[str, Any] = {}
    for field, name in (("escalation_margin", "lifecycle.escalation_margin"),
                        ("suppress_months", "lifecycle.suppress_months")):  # fmt: skip
        if name in params.names:
            v = params.value(name, period)
            if isinstance(v, dict):
                raise ValueError(f"parameter {name!r}: expected one number, not per-segment values {v}")
            values[field] = int(v) if field == "suppress_months" else float(v)
    return LifecycleParams(**values)


def ensure_lifecycle_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Add the lifecycle columns to warn.warnings (idempotent)."""
    for name, sql_type in LIFECYCLE_COLUMNS:
        con.execute(f"ALTER TABLE warn.warnings ADD COLUMN IF NOT EXISTS {name} {sql_type}")


def months_between(earlier: str, later: str) -> int:
    """Whole months from period `earlier` to period `later` ('2026-11' → '2027-02' is 3)."""
    (y1, m1), (y2, m2) = (map(int, earlier.split("-")), map(int, later.split("-")))
    return (y2 - y1) * 12 + (m2 - m1)


def _numbers(measures: str | None) -> dict[str, float]:
    """Numeric measures of a warning (parameter values excluded: they are thresholds, not evidence)."""
    try:
        data = json.loads(measures or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: float(v)
        for k, v in data.items()
        if not k.startswith("param") and isinstance(v, int | float) and not isinstance(v, bool)
    }


def measure_growth(before: str | None, after: str | None, margin: float) -> list[tuple[str, float, float]]:
    """Measures that grew by at least `margin` (relative); from 0 or below, any rise counts."""
    old, new = _numbers(before), _numbers(after)
    grown = []
    for key, value in new.items():
        if key not in old:
            continue
        prev = old[key]
        if (prev > 0 and value >= prev * (1 + margin)) or (prev <= 0 < value):
            grown.append((key, prev, value))
    return grown


def warning_key(period: str, household_id: str, rule_id: str) -> str:
    return f"{period}-{household_id}-{rule_id}"


def build_warnings(
    con: duckdb.DuckDBPyConnection,
    hits: pl.DataFrame,
    period: str,
    *,
    lifecycle: LifecycleParams | None = None,
) -> pl.DataFrame:
    """Turn rule hits into warning rows with their lifecycle status and store them as the period's warnings.

    Also closes the latest earlier warning of every (household, rule) that no longer fires this period.
    Returns every row stored for the period, suppressed ones included (status `suppressed`).
    """
    lifecycle = lifecycle or LifecycleParams()
    ensure_lifecycle_columns(con)
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
    frame = _apply_lifecycle(con, frame, period, lifecycle).select(WARNING_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM warn.warnings WHERE period = ?", [period])
        con.register("_w", frame)
        con.execute("INSERT INTO warn.warnings BY NAME SELECT * FROM _w")
        con.unregister("_w")
        _close_not_firing(con, period)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return frame


def _apply_lifecycle(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, period: str, lifecycle: LifecycleParams
) -> pl.DataFrame:
    """Set status (new / repeated / escalated / suppressed) and a short Chinese lifecycle note per row."""
    earlier = con.sql(
        """
        SELECT household_id, rule_id, period, cause, cause_label, measures,
               coalesce(build_status, status) AS build_status
        FROM warn.warnings WHERE period < ?
        """,
        params=[period],
    ).pl()
    # the baseline is what the township was last sent: suppressed rows were never shown
    shown = earlier.filter(pl.col("build_status") != "suppressed")
    baseline = {
        (r["household_id"], r["rule_id"]): (r["period"], r["measures"])
        for r in shown.sort("period").iter_rows(named=True)
    }
    last_period = {hh: p for hh, p in shown.group_by("household_id").agg(pl.col("period").max()).iter_rows()}
    causes_then: dict[str, set[str]] = {}
    for r in shown.iter_rows(named=True):
        if last_period.get(r["household_id"]) == r["period"]:
            causes_then.setdefault(r["household_id"], set()).add(r["cause"])
    labels_now: dict[str, dict[str, str]] = {}
    for r in frame.iter_rows(named=True):
        labels_now.setdefault(r["household_id"], {})[r["cause"]] = r["cause_label"]
    verdicts = latest_verdicts(con, before=period)

    statuses: list[str] = []
    notes: list[str | None] = []
    for r in frame.iter_rows(named=True):
        key = (r["household_id"], r["rule_id"])
        status, note = r["status"], None
        base = baseline.get(key)
        escalation: list[str] = []
        if base is not None:
            for name, old, new in measure_growth(base[1], r["measures"], lifecycle.escalation_margin):
                change = f"增长{(new - old) / old:.0%}" if old > 0 else "由0增加"
                escalation.append(f"{name} 较{base[0]}预警时 {old:,.0f}→{new:,.0f}（{change}）")
            then = causes_then.get(r["household_id"])
            if then is not None:
                gained = [
                    label for cause, label in labels_now[r["household_id"]].items() if cause not in then
                ]
                if gained:
                    escalation.append(f"该户新增{'、'.join(sorted(gained))}风险")
        verdict = verdicts.get(key)
        if escalation:
            status, note = "escalated", "；".join(escalation)
        if verdict is not None and verdict[0] == NO_RISK:
            months = months_between(verdict[1], period)
            if status != "escalated" and 0 < months <= lifecycle.suppress_months:
                status = "suppressed"
                note = f"{verdict[1]}已核实为无风险，{lifecycle.suppress_months}个月内未升级不再下发"
            elif status == "escalated":
                note = f"{verdict[1]}曾核实为无风险，现升级：{note}"
        statuses.append(status)
        notes.append(note)
    return frame.with_columns(
        pl.Series("status", statuses, dtype=pl.String),
        pl.Series("build_status", statuses, dtype=pl.String),
        pl.Series("lifecycle_note", notes, dtype=pl.String),
    )


def latest_verdicts(con: duckdb.DuckDBPyConnection, before: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(household_id, rule_id) → (outcome, period verified) of the latest verification of an earlier period.

    Empty when no feedback was ever imported (warn.verifications absent).
    """
    exists = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'warn' AND table_name = 'verifications'"
    ).fetchall()[0][0]
    if not exists:
        return {}
    rows = con.sql(
        """
        SELECT household_id, rule_id, outcome, period FROM warn.verifications
        WHERE period < ?
        QUALIFY row_number() OVER (PARTITION BY household_id, rule_id ORDER BY period DESC, revision DESC) = 1
        """,
        params=[before],
    ).fetchall()
    return {(hh, rule): (outcome, p) for hh, rule, outcome, p in rows}


def _close_not_firing(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """Close the latest earlier warning of each (household, rule) that does not fire in `period`."""
    # a rerun of the period first undoes what its previous run closed
    con.execute(
        """
        UPDATE warn.warnings SET status = coalesce(build_status, status), closed_period = NULL, close_reason = NULL
        WHERE closed_period = ? AND close_reason = 'not_firing'
        """,
        [period],
    )
    apply_verification_status(con)
    con.execute(
        """
        UPDATE warn.warnings AS w SET status = 'closed', closed_period = ?, close_reason = 'not_firing'
        WHERE w.period < ? AND w.status <> 'closed'
          AND w.period = (SELECT max(x.period) FROM warn.warnings x
                          WHERE x.household_id = w.household_id AND x.rule_id = w.rule_id AND x.period < ?)
          AND NOT EXISTS (SELECT 1 FROM warn.warnings n
                          WHERE n.period = ? AND n.household_id = w.household_id AND n.rule_id = w.rule_id)
        """,
        [period, period, period, period],
    )


def apply_verification_status(con: duckdb.DuckDBPyConnection, warning_ids: list[str] | None = None) -> int:
    """Set status from the latest verification of each warning: 风险属实… → confirmed, else closed.

    Returns the number of warnings updated. A warning the lifecycle closed as `not_firing` stays closed.
    """
    exists = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'warn' AND table_name = 'verifications'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    ensure_lifecycle_columns(con)
    latest = con.sql(
        """
        SELECT warning_id, outcome, period FROM warn.verifications
        QUALIFY row_number() OVER (PARTITION BY warning_id ORDER BY revision DESC) = 1
        """
    ).pl()
    if warning_ids is not None:
        latest = latest.filter(pl.col("warning_id").is_in(warning_ids))
    if latest.is_empty():
        return 0
    con.register("_latest", latest)
    try:
        con.execute(
            f"""
            UPDATE warn.warnings AS w SET
                status = CASE WHEN v.outcome LIKE '{CONFIRMED_PREFIX}%' THEN 'confirmed' ELSE 'closed' END,
                closed_period = CASE WHEN v.outcome LIKE '{CONFIRMED_PREFIX}%' THEN NULL ELSE v.period END,
                close_reason = CASE WHEN v.outcome LIKE '{CONFIRMED_PREFIX}%' THEN NULL
                                    ELSE 'verified:' || v.outcome END
            FROM _latest v
            WHERE w.warning_id = v.warning_id AND coalesce(w.close_reason, '') <> 'not_firing'
            """
        )
    finally:
        con.unregister("_latest")
    return latest.height
