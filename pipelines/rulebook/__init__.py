"""The rulebook: declarative risk rules (rules/*.yaml) checked, compiled to DuckDB SQL and run.

rulebook = load_rulebook(Path("rules"))            # validates everything, raises RulebookError
params = load_parameters(Path("rules/parameters.yaml"))
hits = evaluate_rules(con, rulebook, params, "2026-06")
results = run_examples(rulebook, params)           # `dixian rules test`
sheet = describe_rules(rulebook, params, "2026-06")  # rule explanations for the township workbook
"""

from pipelines.rulebook.compiler import CompiledRule, compile_rule
from pipelines.rulebook.engine import describe_rules, evaluate_rules, render_message, run_rule
from pipelines.rulebook.errors import (
    ExpressionError,
    InvalidPeriodError,
    MissingFactsError,
    ParameterError,
    ParameterNotInForceError,
    RulebookError,
    RuleIssue,
)
from pipelines.rulebook.examples import ExampleResult, build_example_facts, run_example, run_examples
from pipelines.rulebook.expressions import check_expression
from pipelines.rulebook.facts import default_relation_for, fact_columns
from pipelines.rulebook.loader import load_rulebook
from pipelines.rulebook.models import Example, Rule, Rulebook, param_column
from pipelines.rulebook.parameters import Parameters, load_parameters
from pipelines.rulebook.periods import parse_period, window_bounds

__all__ = [
    "CompiledRule",
    "Example",
    "ExampleResult",
    "ExpressionError",
    "InvalidPeriodError",
    "MissingFactsError",
    "ParameterError",
    "ParameterNotInForceError",
    "Parameters",
    "Rule",
    "RuleIssue",
    "Rulebook",
    "RulebookError",
    "build_example_facts",
    "check_expression",
    "compile_rule",
    "default_relation_for",
    "describe_rules",
    "evaluate_rules",
    "fact_columns",
    "load_parameters",
    "load_rulebook",
    "param_column",
    "parse_period",
    "render_message",
    "run_example",
    "run_examples",
    "run_rule",
    "window_bounds",
]
