"""Rule self-tests (`dixian rules test`): each example's rows go into a fresh in-memory DuckDB, the rule runs,
and the households that fire are compared with `expect` — so a threshold change that breaks a rule's meaning shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.rulebook.compiler import compile_rule
from pipelines.rulebook.engine import run_rule
from pipelines.rulebook.facts import default_relation_for, fact_columns, rule_sources
from pipelines.rulebook.models import Example, Rule, Rulebook
from pipelines.rulebook.parameters import Parameters
from schemas import get_source

_POLARS_TYPES = {"VARCHAR": pl.String, "DATE": pl.Date, "DOUBLE": pl.Float64, "INTEGER": pl.Int32}
_SHORTHANDS = {"household": "household_id", "person": "person_id"}


@dataclass(frozen=True)
class ExampleResult:
    """The outcome of one example: which households were expected to fire and which did."""

    rule_id: str
    example: str
    passed: bool
    expected: tuple[str, ...]
    actual: tuple[str, ...]
    error: str | None = None
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        status = "ok" if self.passed else "FAILED"
        detail = "" if self.passed else f" (expected {list(self.expected)}, got {list(self.actual)})"
        if self.error:
            detail = f" (error: {self.error})"
        return f"{status} {self.rule_id} — {self.example}{detail}"


def _cell(value: Any, typ: str) -> Any:
    if value is None:
        return None
    if typ == "DATE":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if typ == "DOUBLE":
        return float(value)
    if typ == "INTEGER":
        return int(value)
    return str(value)  # YAML reads grade: 1 as an int; the facts column is text


def example_frame(source: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Typed facts rows for one source, with the example defaults filled in.

    Defaults: segment poverty_exit, age 40, event_date = the source's date field, row_key `<source>-<n>`;
    every other missing column is NULL.
    """
    columns = fact_columns(source)
    date_field = get_source(source).date_field
    records = []
    for i, raw in enumerate(rows, start=1):
        row = {_SHORTHANDS.get(k, k): v for k, v in raw.items()}
        row.setdefault("segment", "poverty_exit")
        row.setdefault("age", 40)
        row.setdefault("row_key", f"{source}-{i}")
        if date_field and row.get(date_field) is not None:
            row.setdefault("event_date", row[date_field])
        records.append({c: _cell(row.get(c), t) for c, t in columns.items()})
    return pl.DataFrame(records, schema={c: _POLARS_TYPES[t] for c, t in columns.items()}, orient="row")


def build_example_facts(con: duckdb.DuckDBPyConnection, given: dict[str, list[dict[str, Any]]]) -> None:
    """Create schema link and every department's facts table (empty unless the example gives rows)."""
    con.sql("CREATE SCHEMA IF NOT EXISTS link")
    for source in rule_sources():
        relation = default_relation_for(source)
        cols = ", ".join(f'"{c}" {t}' for c, t in fact_columns(source).items())
        con.sql(f"CREATE OR REPLACE TABLE {relation} ({cols})")
        if given.get(source):
            frame = example_frame(source, given[source])  # noqa: F841 - read by DuckDB's replacement scan
            con.sql(f"INSERT INTO {relation} BY NAME SELECT * FROM frame")


def run_example(rule: Rule, example: Example, params: Parameters) -> ExampleResult:
    """Run one example of one rule in its own in-memory database."""
    con = duckdb.connect(":memory:")
    try:
        build_example_facts(con, example.given)
        hits = run_rule(con, compile_rule(rule, params, example.period))
        actual = tuple(sorted(set(hits["household_id"].to_list())))
        error = None
    except Exception as e:  # a broken example is a failed result, not a crash of the whole test run
        actual, error = (), f"{type(e).__name__}: {e}"
    finally:
        con.close()
    return ExampleResult(
        rule.id, example.name, error is None and actual == example.expect, example.expect, actual, error,
        rule.file, example.line,
    )  # fmt: skip


def run_examples(rulebook: Rulebook, params: Parameters) -> list[ExampleResult]:
    """Run every example of every rule; results in rule then example order."""
    return [run_example(rule, ex, params) for rule in rulebook for ex in rule.examples]
