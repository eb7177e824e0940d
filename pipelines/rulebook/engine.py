"""Running compiled rules against the facts tables, and describing rules in words for townships."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from pipelines.rulebook.compiler import CompiledRule, compile_rule
from pipelines.rulebook.errors import MissingFactsError
from pipelines.rulebook.facts import RelationFor, default_relation_for
from pipelines.rulebook.models import (
    SEGMENT_LABELS,
    SEGMENTS,
    SIGNAL_NOTE,
    WINDOW_LABELS,
    Rule,
    Rulebook,
    param_column,
)
from pipelines.rulebook.parameters import Parameters, format_value
from schemas import get_source

_SPEC = re.compile(r"\{(\w+):[^}]*\}")

HITS_SCHEMA: dict[str, Any] = {
    "rule_id": pl.String,
    "cause": pl.String,
    "cause_label": pl.String,
    "title": pl.String,
    "severity": pl.String,
    "source": pl.String,
    "department": pl.String,
    "household_id": pl.String,
    "person_ids": pl.List(pl.String),
    "row_keys": pl.List(pl.String),
    "measures": pl.String,
    "message": pl.String,
}


def _plain(value: Any) -> Any:
    """JSON-friendly number: whole floats as int so evidence reads 5500, not 5500.0."""
    if isinstance(value, Decimal):  # DuckDB 2.0 returns DECIMAL for sums/literals a rule author may write
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render_message(rule: Rule, values: dict[str, Any]) -> str:
    """Fill the message template; `{param}` is the first parameter of `when` (value for this household)."""
    fields = dict(values)
    if rule.params:
        fields.setdefault("param", values.get(param_column(rule.params[0])))
    try:
        return rule.message.format(**fields)
    except (ValueError, TypeError):
        # a NULL measure (max over NULLs) cannot take a numeric format: drop the specs, show a dash
        plain = _SPEC.sub(r"{\1}", rule.message)
        return plain.format(**{k: ("—" if v is None else v) for k, v in fields.items()})


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    try:
        con.sql(f"SELECT * FROM {relation} LIMIT 0").fetchall()
    except duckdb.CatalogException:
        return False
    return True


def run_rule(con: duckdb.DuckDBPyConnection, compiled: CompiledRule) -> pl.DataFrame:
    """The raw hits of one compiled rule (household_id, person_ids, row_keys, segment, measures, params)."""
    if not _relation_exists(con, compiled.relation):
        raise MissingFactsError(compiled.rule.id, compiled.rule.source, compiled.relation)
    return con.sql(compiled.sql).pl()


def evaluate_rules(
    con: duckdb.DuckDBPyConnection,
    rulebook: Rulebook,
    params: Parameters,
    period: str,
    relation_for: RelationFor = default_relation_for,
) -> pl.DataFrame:
    """Run every rule for `period`; one row per hit, sorted by household_id then rule_id.

    `measures` is JSON text of the measures and parameter values (the evidence a township sees),
    `message` the rendered Chinese text. Raises MissingFactsError when a source's relation is absent.
    """
    rows: list[dict[str, Any]] = []
    for rule in rulebook:
        compiled = compile_rule(rule, params, period, relation_for)
        hits = run_rule(con, compiled)
        department = get_source(rule.source).department
        value_cols = [*compiled.measures, *compiled.param_columns.values()]
        for hit in hits.iter_rows(named=True):
            values = {c: _plain(hit[c]) for c in value_cols}
            rows.append(
                {
                    "rule_id": rule.id,
                    "cause": rule.cause,
                    "cause_label": rule.cause_label,
                    "title": rule.title,
                    "severity": rule.severity,
                    "source": rule.source,
                    "department": department,
                    "household_id": hit["household_id"],
                    "person_ids": list(hit["person_ids"] or []),
                    "row_keys": list(hit["row_keys"] or []),
                    "measures": json.dumps(values, ensure_ascii=False, sort_keys=False),
                    "message": render_message(rule, values),
                }
            )
    return pl.DataFrame(rows, schema=HITS_SCHEMA).sort(["household_id", "rule_id"], maintain_order=True)


def _signal(rule: Rule) -> bool:
    """A signal rule that names no national 风险类型 of its own (risk_type)."""
    return rule.cause_label.endswith("（信号）")


def describe_rules(rulebook: Rulebook, params: Parameters, period: str) -> pl.DataFrame:
    """One row per rule in words, for the township workbook's rule-explanation sheet.

    `thresholds` spells out the parameter values in force for the period, by segment, plus the
    window and the segments the rule covers, so staff can read what was tested without YAML.
    """
    rows = []
    for rule in rulebook:
        parts = [f"时间范围：{WINDOW_LABELS[rule.window]}"]
        if tuple(rule.segments) != SEGMENTS:
            parts.append("适用：" + "、".join(SEGMENT_LABELS[s] for s in rule.segments))
        for p in rule.params:
            value = params.value(p, period)
            if isinstance(value, dict):
                value = {s: v for s, v in value.items() if s in rule.segments}
            parts.append(f"{params.label(p)}：{format_value(value)}")
        rows.append(
            {
                "rule_id": rule.id,
                "cause_label": rule.cause_label,
                "title": rule.title,
                # a signal says it is not a 风险类型 and what the township decides instead
                "description": "；".join(
                    filter(None, [rule.description, SIGNAL_NOTE.get(rule.cause, "") if _signal(rule) else ""])
                ),
                "severity": rule.severity,
                "department": get_source(rule.source).department,
                "thresholds": "；".join(parts),
            }
        )
    schema = dict.fromkeys(
        ["rule_id", "cause_label", "title", "description", "severity", "department", "thresholds"], pl.String
    )
    return pl.DataFrame(rows, schema=schema)
