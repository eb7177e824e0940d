"""The warning lifecycle, derived from every screened period's warnings and the answers — never from run order.

Screening a period (`relabel(con, from_period=P)`) gives each warning of P and of every later screened
period its build status, in period order:

- `new`: the household never tripped this rule in an earlier period;
- `repeated`: an earlier period already warned of it;
- `escalated`: repeated, and a measure grew by at least `escalation_margin` since the last period the
  township was sent it (e.g. out_of_pocket_total +20%), or the household gained a cause it did not have then;
- `suppressed`: the township verified it as 无风险 (in an earlier period) within the last `suppress_months`
  months and it did not escalate: kept in the warehouse, left out of the township workbook.

Later periods are relabelled too, so a backfilled month makes a later month's warning `repeated` just as
running them in order would. Earlier periods keep the build status they were issued with.

`status` is the build status until a verification answers the warning: 风险属实… → `confirmed`, any other
outcome → `closed`. Only an answer closes a warning: one whose rule stops firing stays open, and
`quiet_since` records the first later screened period in which it did not fire (shown as 本期未再触发).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.period import Period
from pipelines.warnings.tables import ensure_warning_tables
from pipelines.warnings.verifications import latest_verifications
from pipelines.warnings.vocab import NO_RISK, status_after


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


def months_between(earlier: str, later: str) -> int:
    """Whole months from period `earlier` to period `later` ('2026-11' → '2027-02' is 3)."""
    return Period.parse(earlier).months_until(Period.parse(later))


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


Key = tuple[str, str]


def build_labels(
    rows: pl.DataFrame,
    earlier: pl.DataFrame,
    verdicts: dict[Key, tuple[str, str]],
    period: str,
    lifecycle: LifecycleParams,
) -> pl.DataFrame:
    """Build status, lifecycle note and first_seen of one period's warnings (pure).

    rows: the period's warnings (household_id, rule_id, cause, cause_label, measures); earlier: every
    earlier period's (household_id, rule_id, period, cause, measures, build_status); verdicts: (household,
    rule) → (outcome, period answered) of the latest answer to an earlier period's warning."""
    shown = earlier.filter(pl.col("build_status") != "suppressed")  # what the township was last sent
    baseline = {
        (r["household_id"], r["rule_id"]): (r["period"], r["measures"])
        for r in shown.sort("period", "household_id", "rule_id").iter_rows(named=True)
    }
    first = {
        (hh, rule): p
        for hh, rule, p in earlier.group_by("household_id", "rule_id").agg(pl.col("period").min()).iter_rows()
    }
    last_period = {hh: p for hh, p in shown.group_by("household_id").agg(pl.col("period").max()).iter_rows()}
    causes_then: dict[str, set[str]] = {}
    for r in shown.iter_rows(named=True):
        if last_period.get(r["household_id"]) == r["period"]:
            causes_then.setdefault(r["household_id"], set()).add(r["cause"])
    labels_now: dict[str, dict[str, str]] = {}
    for r in rows.iter_rows(named=True):
        labels_now.setdefault(r["household_id"], {})[r["cause"]] = r["cause_label"]

    statuses: list[str] = []
    notes: list[str | None] = []
    seen: list[str] = []
    for r in rows.iter_rows(named=True):
        key = (r["household_id"], r["rule_id"])
        status, note = ("repeated" if key in first else "new"), None
        seen.append(first.get(key, period))
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
    return rows.select("warning_id").with_columns(
        pl.Series("build_status", statuses, dtype=pl.String),
        pl.Series("lifecycle_note", notes, dtype=pl.String),
        pl.Series("first_seen", seen, dtype=pl.String),
    )


def _verdicts_before(answers: pl.DataFrame, period: str) -> dict[Key, tuple[str, str]]:
    """(household, rule) → (outcome, period) of the latest answer to a warning of a period before `period`."""
    latest = (
        answers.filter(pl.col("period") < period)
        .sort("period", "revision", "warning_id")
        .unique(["household_id", "rule_id"], keep="last")
    )
    return {
        (hh, rule): (o, p)
        for hh, rule, o, p in latest.select("household_id", "rule_id", "outcome", "period").iter_rows()
    }


def quiet_since(warnings: pl.DataFrame, screened: list[str]) -> dict[str, str]:
    """warning_id → the first screened period after it in which its (household, rule) did not fire, for the
    latest warning of each (household, rule) (pure). A warning fired again later is not quiet."""
    latest = warnings.sort("period").unique(["household_id", "rule_id"], keep="last")
    out: dict[str, str] = {}
    for wid, p in latest.select("warning_id", "period").iter_rows():
        later = [q for q in screened if q > p]
        if later:
            out[wid] = later[0]
    return out


def relabel(con: duckdb.DuckDBPyConnection, from_period: str, lifecycle: LifecycleParams) -> None:
    """Give the warnings of `from_period` and every later screened period their build status (in period
    order, each against the ones before it), then refresh every warning's status and quiet_since."""
    ensure_warning_tables(con)
    rows = con.sql(
        "SELECT warning_id, period, household_id, rule_id, cause, cause_label, measures, build_status"
        " FROM warn.warnings ORDER BY period, household_id, rule_id"
    ).pl()
    answers = latest_verifications(con)
    labelled: list[pl.DataFrame] = []
    for period in sorted(p for p in rows.get_column("period").unique().to_list() if p >= from_period):
        now = rows.filter(pl.col("period") == period)
        earlier = rows.filter(pl.col("period") < period)
        labels = build_labels(now, earlier, _verdicts_before(answers, period), period, lifecycle)
        labelled.append(labels)
        # a later period is labelled against this one's new build status
        rows = rows.update(labels.select("warning_id", "build_status"), on="warning_id")
    if labelled:
        frame = pl.concat(labelled)
        con.register("_labels", frame)
        try:
            con.execute(
                """UPDATE warn.warnings AS w SET build_status = l.build_status, lifecycle_note = l.lifecycle_note,
                       first_seen = l.first_seen
                   FROM _labels l WHERE w.warning_id = l.warning_id"""
            )
        finally:
            con.unregister("_labels")
    refresh_status(con)


def refresh_status(con: duckdb.DuckDBPyConnection) -> None:
    """status / closed_period / close_reason from each warning's latest answer, and quiet_since, for every
    warning: a pure function of the stored build statuses, the screened periods and the answers."""
    ensure_warning_tables(con)
    warnings = con.sql(
        "SELECT warning_id, period, household_id, rule_id, coalesce(build_status, status) AS build_status"
        " FROM warn.warnings"
    ).pl()
    if warnings.is_empty():
        return
    screened = [r[0] for r in con.sql("SELECT period FROM warn.screened_periods ORDER BY period").fetchall()]
    answers = latest_verifications(con).select("warning_id", "outcome", pl.col("period").alias("answered"))
    quiet = quiet_since(warnings, screened)
    joined = warnings.join(answers, on="warning_id", how="left")
    frame = joined.select(
        "warning_id",
        pl.struct("outcome", "build_status")
        .map_elements(lambda s: status_after(s["outcome"], s["build_status"]), return_dtype=pl.String)
        .alias("status"),
        pl.col("build_status"),
        pl.col("warning_id").replace_strict(quiet, default=None, return_dtype=pl.String).alias("quiet_since"),
        pl.col("outcome"),
        pl.col("answered"),
    ).with_columns(
        pl.when(pl.col("status") == "closed").then(pl.col("answered")).alias("closed_period"),
        pl.when(pl.col("status") == "closed")
        .then(pl.lit("verified:") + pl.col("outcome"))
        .alias("close_reason"),
    )
    con.register("_status", frame)
    try:
        con.execute(
            """UPDATE warn.warnings AS w SET status = s.status, build_status = s.build_status,
                   closed_period = s.closed_period, close_reason = s.close_reason, quiet_since = s.quiet_since
               FROM _status s WHERE w.warning_id = s.warning_id"""
        )
    finally:
        con.unregister("_status")
