"""Exceptions of the rulebook: one class per failure mode, each carrying its context."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleIssue:
    """One problem found in a rule or parameter file, located by file and line."""

    file: str
    line: int | None
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" rule {self.rule_id}:" if self.rule_id else ""
        return f"{where}:{who} {self.message}"


class RulebookError(ValueError):
    """The rule files are invalid; `issues` lists every problem found (all are collected, not the first)."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        super().__init__(
            f"{n} problem{'s' if n != 1 else ''} in the rulebook:\n" + "\n".join(map(str, issues))
        )


class ExpressionError(ValueError):
    """An expression is not in the rule language (unknown column or function, statement, subquery …)."""


class ParameterError(ValueError):
    """rules/parameters.yaml is malformed; `issues` lists every problem."""

    def __init__(self, issues: list[RuleIssue]) -> None:
        self.issues = list(issues)
        super().__init__("invalid parameters:\n" + "\n".join(map(str, issues)))


class ParameterNotInForceError(KeyError):
    """A parameter has no value for the period asked (no year block at or before the period's year)."""

    def __init__(self, name: str, period: str, years: list[int]) -> None:
        self.name, self.period, self.years = name, period, years
        super().__init__(
            f"parameter {name!r} has no value for period {period}; it is set for years {years or 'none'}"
            " (a value applies from its year on: add it to an earlier year block?)"
        )


class InvalidPeriodError(ValueError):
    """A period is not 'YYYY-MM'."""


class MissingFactsError(LookupError):
    """The facts relation of a rule's source does not exist in the connection."""

    def __init__(self, rule_id: str, source: str, relation: str) -> None:
        self.rule_id, self.source, self.relation = rule_id, source, relation
        super().__init__(
            f"rule {rule_id}: facts relation {relation!r} for source {source!r} does not exist;"
            " the matching step must create it (empty is fine) before rules run"
        )
