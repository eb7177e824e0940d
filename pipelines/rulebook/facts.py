"""What rules read: the sources they may name and where each one's facts are (the columns are the
producer's contract, pipelines.facts.fact_columns)."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.facts import fact_columns
from schemas import department_sources

__all__ = ["RelationFor", "default_relation_for", "fact_columns", "is_department_source", "rule_sources"]

RelationFor = Callable[[str], str]


def default_relation_for(source: str) -> str:
    """Where the matching step puts a source's matched facts."""
    return f"link.facts_{source}"


def rule_sources() -> tuple[str, ...]:
    """Sources a rule may read: every department feed, and the registry itself (household attributes such
    as per-capita income, as link.facts_registry: one row per registered person, dated the period end)."""
    return ("registry", *department_sources())


def is_department_source(source: str) -> bool:
    return source in rule_sources()
