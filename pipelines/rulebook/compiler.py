"""Compiling a rule to ONE DuckDB SELECT that returns the households (or persons) that trip it.

The shape of the query, for a period and the parameters in force:

    WITH facts AS (rows of the source in the window, matched to a household, of the rule's segments, `where`)
    , grouped AS (one row per household — or per person — with the measures and the evidence lists)
    SELECT household_id, person_ids, row_keys, segment, <measures>, <param_…> FROM grouped WHERE <when>
    ORDER BY household_id, person_ids
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from pipelines.rulebook.expressions import check_expression, to_duckdb_sql
from pipelines.rulebook.facts import RelationFor, default_relation_for, fact_columns
from pipelines.rulebook.models import Rule, param_column
from pipelines.rulebook.parameters import Parameters
from pipelines.rulebook.periods import window_bounds


@dataclass(frozen=True)
class CompiledRule:
    """A rule turned into SQL for one period; `param_columns` maps parameter name → output column."""

    rule: Rule
    period: str
    relation: str
    sql: str
    measures: tuple[str, ...]
    param_columns: dict[str, str]


def _sql_string(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="duckdb")


def param_expression(params: Parameters, name: str, period: str, segments: tuple[str, ...]) -> exp.Expression:
    """A literal for a scalar, else `CASE segment WHEN … END` over the segments the rule covers."""
    value = params.value(name, period)
    if not isinstance(value, dict):
        return exp.maybe_parse(f"CAST({float(value)!r} AS DOUBLE)", dialect="duckdb")
    whens = " ".join(f"WHEN {_sql_string(s)} THEN {float(value[s])!r}" for s in segments if s in value)
    # DOUBLE, not the DECIMAL DuckDB gives a literal like 5000.0: evidence must serialise as plain numbers
    return exp.maybe_parse(f"CAST(CASE segment {whens} END AS DOUBLE)", dialect="duckdb")


def _checked(text: str, kind: str, columns: list[str], owner: str) -> exp.Expression:
    # re-check at compile time: a Rule built by hand (not by the loader) must not bypass the allow-list
    return check_expression(text, kind, columns, owner).raise_for_problems().tree  # type: ignore[arg-type, return-value]


def compile_rule(
    rule: Rule, params: Parameters, period: str, relation_for: RelationFor = default_relation_for
) -> CompiledRule:
    """Build the SELECT of `rule` for `period`; output sorted by household_id (then person) for determinism."""
    relation = relation_for(rule.source)
    columns = list(fact_columns(rule.source))
    start, end = window_bounds(rule.window, period)
    param_sql = {p: param_expression(params, p, period, rule.segments) for p in rule.params}

    filters = [
        "household_id IS NOT NULL",
        f"event_date BETWEEN DATE '{start.isoformat()}' AND DATE '{end.isoformat()}'",
        f"segment IN ({', '.join(_sql_string(s) for s in rule.segments)})",
    ]
    if rule.per == "person":
        filters.append("person_id IS NOT NULL")
    if rule.where:
        filters.append(f"({to_duckdb_sql(_checked(rule.where, 'row', columns, rule.source), param_sql)})")

    keys = ["household_id", "person_id"] if rule.per == "person" else ["household_id"]
    measure_sql = [
        f"{to_duckdb_sql(_checked(text, 'measure', columns, rule.source))} AS {name}"
        for name, text in rule.measures.items()
    ]
    when_sql = to_duckdb_sql(_checked(rule.when, "condition", list(rule.measures), "the measures"), param_sql)
    pcols = {p: param_column(p) for p in rule.params}
    outputs = [
        "household_id",
        "person_ids",
        "row_keys",
        "segment",
        *rule.measures,
        *(f"{param_sql[p].sql(dialect='duckdb')} AS {col}" for p, col in pcols.items()),
    ]
    nl = "\n  "
    sql = f"""WITH facts AS (
  SELECT * FROM {relation}
  WHERE {(nl + "  AND ").join(filters)}
), grouped AS (
  SELECT {", ".join(keys)},
    min(segment) AS segment,
    list_sort(list_distinct(list(person_id) FILTER (WHERE person_id IS NOT NULL))) AS person_ids,
    list_sort(list(row_key)) AS row_keys,
    {("," + nl + "  ").join(measure_sql)}
  FROM facts
  GROUP BY {", ".join(keys)}
)
SELECT {("," + nl + "     ").join(outputs)}
FROM grouped
WHERE {when_sql}
ORDER BY household_id, person_ids"""
    return CompiledRule(rule, period, relation, sql, tuple(rule.measures), pcols)
