"""The expression checker: rule expressions are parsed with sqlglot and walked against an allow-list.

Anything not on the list (statements, subqueries, unknown functions, qualified columns, `*` outside
`count(*)`) is reported and never reaches DuckDB. The compiler only emits SQL regenerated from trees
that passed here, so a rule file cannot smuggle text into a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from pipelines.rulebook.errors import ExpressionError

Kind = Literal["row", "measure", "condition"]
"""row: a `where` filter over one row; measure: an aggregate over the rows of a group; condition: `when`."""

AGGREGATES: dict[type[exp.Expression], str] = {
    exp.Sum: "sum",
    exp.Max: "max",
    exp.Min: "min",
    exp.Count: "count",
}
SCALAR_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Coalesce: "coalesce",
    exp.Abs: "abs",
    exp.Round: "round",
    exp.Year: "year",
    exp.Month: "month",
}
ANONYMOUS = {"param", "count_distinct"}
ALLOWED_FUNCTIONS = sorted({*AGGREGATES.values(), *SCALAR_FUNCTIONS.values(), *ANONYMOUS})

_STRUCTURE: tuple[type[exp.Expression], ...] = (
    exp.And, exp.Or, exp.Not, exp.Paren,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between, exp.Like, exp.ILike,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg,
    exp.Literal, exp.Null, exp.Boolean, exp.Column, exp.Identifier, exp.Case, exp.If,
)  # fmt: skip


@dataclass
class CheckedExpression:
    """A parsed expression with what it uses; `problems` is empty when it is valid."""

    text: str
    tree: exp.Expression | None
    columns: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def raise_for_problems(self) -> CheckedExpression:
        if self.problems:
            raise ExpressionError(f"{self.text!r}: " + "; ".join(self.problems))
        return self


def parse_expression(text: str) -> exp.Expression:
    """Parse exactly one DuckDB expression; several statements (`;`) or a syntax error raise."""
    try:
        trees = [t for t in sqlglot.parse(str(text), read="duckdb") if t is not None]
    except SqlglotError as e:
        first = str(e).splitlines()[0]
        raise ExpressionError(f"cannot parse {text!r}: {first}") from e
    if len(trees) != 1:
        raise ExpressionError(
            f"{text!r}: one expression expected, found {len(trees)} statements (';' is not allowed)"
        )
    tree = trees[0]
    # sqlglot.parse is typed list[Expr | None]; every node it builds is a concrete Expression
    assert isinstance(tree, exp.Expression)
    return tree


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else node.key


def _is_aggregate(node: exp.Expr) -> bool:
    return type(node) in AGGREGATES or (
        isinstance(node, exp.Anonymous) and node.name.lower() == "count_distinct"
    )


def check_expression(
    text: str, kind: Kind, columns: Iterable[str], owner: str = "the source"
) -> CheckedExpression:
    """Check one expression of `kind` whose column references must be in `columns`.

    `owner` names what holds the columns in messages ("medical_insurance", "the measures").
    """
    allowed_columns = list(columns)
    try:
        tree = parse_expression(text)
    except ExpressionError as e:
        return CheckedExpression(str(text), None, problems=[str(e)])
    out = CheckedExpression(str(text), tree)
    problems = out.problems

    def walk(node: exp.Expression, parent: exp.Expression | None, in_agg: bool) -> None:
        if isinstance(node, exp.Subquery | exp.Select | exp.Query):
            problems.append("subqueries are not allowed")
            return
        if isinstance(node, exp.Star):
            if not (isinstance(parent, exp.Count) and parent.this is node):
                problems.append("'*' is only allowed as count(*)")
            return
        if isinstance(node, exp.Distinct):
            if not isinstance(parent, exp.Count) or len(node.expressions) != 1:
                problems.append("DISTINCT is only allowed as count(distinct x) / count_distinct(x)")
                return
        elif _is_aggregate(node):
            if kind != "measure":
                where = "'when' (refer to a measure by name)" if kind == "condition" else "'where'"
                problems.append(f"aggregate {_function_name(node)}() is not allowed in {where}")
                return
            if in_agg:
                problems.append(f"aggregate {_function_name(node)}() cannot be nested in another aggregate")
                return
            in_agg = True
        elif isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name not in ANONYMOUS:
                problems.append(f"unknown function '{node.name}'; allowed: {ALLOWED_FUNCTIONS}")
                return
            if name == "param":
                args = node.expressions
                if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                    problems.append("param() takes one quoted name, e.g. param('illness.out_of_pocket_ytd')")
                elif kind == "measure":
                    problems.append("param() belongs in 'when' or 'where', not in a measure")
                elif args[0].this not in out.params:
                    out.params.append(args[0].this)
                return
        elif type(node) in SCALAR_FUNCTIONS or isinstance(node, _STRUCTURE):
            pass
        elif isinstance(node, exp.Func):
            problems.append(f"unknown function '{_function_name(node)}'; allowed: {ALLOWED_FUNCTIONS}")
            return
        else:
            problems.append(
                f"'{node.sql(dialect='duckdb')[:40]}' ({node.key}) is not allowed in a rule expression"
            )
            return
        if isinstance(node, exp.In) and any(node.args.get(k) for k in ("query", "unnest", "field")):
            problems.append("IN takes a list of values, not a subquery")
            return
        if isinstance(node, exp.Column):
            if node.args.get("table") or node.args.get("db") or node.args.get("catalog"):
                problems.append(f"qualified column '{node.sql()}' is not allowed: write the bare column name")
                return
            name = node.name
            if name not in allowed_columns:
                problems.append(f"unknown column '{name}'; {owner} has {allowed_columns}")
            elif kind == "measure" and not in_agg:
                problems.append(
                    f"column '{name}' must be inside an aggregate (sum, count, max, min, count_distinct)"
                )
            elif name not in out.columns:
                out.columns.append(name)
            return
        for child in node.iter_expressions():
            walk(child, node, in_agg)

    walk(tree, None, False)
    if kind == "measure" and not problems and not any(_is_aggregate(n) for n in tree.walk()):
        problems.append("a measure needs an aggregate: sum, count, max, min or count_distinct")
    return out


def to_duckdb_sql(tree: exp.Expression, params: dict[str, exp.Expression] | None = None) -> str:
    """Regenerate SQL from a checked tree: param() → its value expression, count_distinct → COUNT(DISTINCT),
    sum → DOUBLE (DuckDB 2.0 sums integers to DECIMAL/HUGEINT, which polars and messages handle badly)."""
    params = params or {}

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name == "param":
                return params[node.expressions[0].this].copy()
            if name == "count_distinct":
                return exp.Count(this=exp.Distinct(expressions=[a.copy() for a in node.expressions]))
        if isinstance(node, exp.Sum) and not isinstance(node.parent, exp.Cast):
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
        return node

    return tree.copy().transform(rewrite).sql(dialect="duckdb")
