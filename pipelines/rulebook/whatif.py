"""What-if sweeps for rule tuning: how many warnings a rule would raise at other thresholds.

Used by the rule-tuning notebook. The rule is recompiled with the parameter overridden and run on
the facts; where townships have verified earlier warnings of the rule, the sweep also reports the
share of verified households that would still fire and were confirmed as real risk.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import polars as pl

from pipelines.rulebook.compiler import compile_rule
from pipelines.rulebook.engine import run_rule
from pipelines.rulebook.models import Rulebook
from pipelines.rulebook.parameters import Parameters
from pipelines.rulebook.periods import parse_period


def override(
    params: Parameters, name: str, period: str, value: float, segment: str | None = None
) -> Parameters:
    """Parameters with `name` set to `value` for the period's year (one segment, or all of them)."""
    year = parse_period(period)[0].year
    current = params.value(name, period)
    new_value: float | dict[str, float]
    if isinstance(current, dict):
        new_value = {k: (value if segment in (None, k) else v) for k, v in current.items()}
    else:
        new_value = value
    years = {y: dict(block) for y, block in params.years.items()}
    years.setdefault(year, {})[name] = new_value
    return replace(params, years=years)


def sweep(
    con: duckdb.DuckDBPyConnection,
    rulebook: Rulebook,
    params: Parameters,
    period: str,
    rule_id: str,
    param_name: str,
    values: list[float],
    *,
    segment: str | None = None,
    verifications: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per value: households that would fire, and — given verifications with columns
    household_id, outcome — how many of them were verified and confirmed (outcome 风险属实…)."""
    rule = rulebook.get(rule_id)
    if param_name not in rule.params:
        raise KeyError(f"rule {rule_id} uses no parameter {param_name!r}; it uses {list(rule.params)}")
    rows = []
    for value in values:
        compiled = compile_rule(rule, override(params, param_name, period, value, segment), period)
        hits = run_rule(con, compiled)
        fired = set(hits.get_column("household_id").to_list()) if hits.height else set()
        verified = confirmed = 0
        if verifications is not None and verifications.height:
            mine = verifications.filter(pl.col("household_id").is_in(sorted(fired)))
            verified = mine.height
            confirmed = mine.filter(pl.col("outcome").str.starts_with("风险属实")).height
        rows.append(
            {
                "value": float(value),
                "households": len(fired),
                "verified": verified,
                "confirmed": confirmed,
                "precision": confirmed / verified if verified else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "value": pl.Float64,
            "households": pl.Int64,
            "verified": pl.Int64,
            "confirmed": pl.Int64,
            "precision": pl.Float64,
        },
    )
