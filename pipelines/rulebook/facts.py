"""The input contract: the typed column set of every `link.facts_<source>` table."""

from __future__ import annotations

from collections.abc import Callable

from schemas import department_sources, get_source
from schemas.base import raw_text_fields

RelationFor = Callable[[str], str]

# Columns the matching step adds to every facts table, with their DuckDB types.
ADDED_COLUMNS: dict[str, str] = {
    "row_key": "VARCHAR",
    "event_date": "DATE",
    "person_id": "VARCHAR",
    "household_id": "VARCHAR",
    "age": "INTEGER",
    "sex": "VARCHAR",
    "relation": "VARCHAR",
    "segment": "VARCHAR",
    "match_score": "DOUBLE",
}

_FIELD_TYPES = {"date": "DATE", "amount": "DOUBLE", "int": "DOUBLE"}


def default_relation_for(source: str) -> str:
    """Where the matching step puts a source's matched facts."""
    return f"link.facts_{source}"


def fact_columns(source: str) -> dict[str, str]:
    """Column name → DuckDB type of a source's facts table (source fields first, then the added ones).

    Several sources call their date field `event_date`: it then appears once, as the DATE it is in both.
    Category fields come with `<field>_raw`, the department's wording (pipelines.ingest.vocab).
    """
    fields = get_source(source).fields
    cols = {f.name: _FIELD_TYPES.get(f.type, "VARCHAR") for f in fields}
    # a category field's own wording beside its code: NULL code + text = a word the vocabulary lacks
    cols.update(dict.fromkeys(raw_text_fields(get_source(source)), "VARCHAR"))
    for name, typ in ADDED_COLUMNS.items():
        cols.setdefault(name, typ)
    return cols


def rule_sources() -> tuple[str, ...]:
    """Sources a rule may read: every department feed, and the registry itself (household attributes such
    as per-capita income, as link.facts_registry: one row per registered person, dated the period end)."""
    return ("registry", *department_sources())


def is_department_source(source: str) -> bool:
    return source in rule_sources()
