"""The source catalogue: the registry and every department feed, each a module with SOURCE and SCHEMA."""

from __future__ import annotations

from importlib import import_module

from schemas.base import Field, Source

DEPARTMENT_SOURCES: tuple[str, ...] = (
    "medical_insurance",
    "health",
    "civil_affairs",
    "education",
    "disability",
    "emergency",
    "public_security",
    "hrss",
    "housing",
    "agriculture",
    # appended (issue 3): code iterates this tuple in order; a source without files has an empty raw table
    "water",
    "vehicles",
    "market_supervision",
    "real_estate",
    "public_payroll",
    # the grid workers' visit ledgers (schemas/grid_ledger.py), read by pipelines/grid via link.facts_grid_ledger
    "grid_ledger",
)
"""Every feed other than the registry, in the order stages iterate them (the first ten are the original
ones; append new sources at the end)."""
EXCLUSION_SOURCES: tuple[str, ...] = ("vehicles", "market_supervision", "real_estate", "public_payroll")
"""Sources whose rows are eligibility doubts (信息比对), not risk evidence (Source.kind == "exclusion")."""
ALL_SOURCES: tuple[str, ...] = ("registry", *DEPARTMENT_SOURCES)


def get_source(name: str) -> Source:
    """The definition of one source; a clear error names the known ones."""
    if name not in ALL_SOURCES:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(ALL_SOURCES)}")
    return import_module(f"schemas.{name}").SOURCE


def get_schema(name: str):
    get_source(name)
    return import_module(f"schemas.{name}").SCHEMA


__all__ = [
    "ALL_SOURCES",
    "DEPARTMENT_SOURCES",
    "EXCLUSION_SOURCES",
    "Field",
    "Source",
    "get_schema",
    "get_source",
]
