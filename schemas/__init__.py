"""The source catalogue: the registry and every department feed, defined in YAML (schemas/catalogue.yaml,
schemas/sources/*.yaml, and a county's <data>/county/sources/*.yaml; see schemas.catalogue).

Stages ask these functions, never a fixed list, so a county's own feed is iterated like a built-in one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.polars as pa

from schemas.base import Field, Source
from schemas.catalogue import CatalogueError, active, load_catalogue, use_county


def all_sources() -> tuple[str, ...]:
    """The registry, then every department feed, in the order stages iterate them."""
    return active().all_sources


def department_sources() -> tuple[str, ...]:
    """Every feed other than the registry (built-in first, then the county's own)."""
    return active().department_sources


def exclusion_sources() -> tuple[str, ...]:
    """Feeds whose rows are eligibility doubts (信息比对), not risk evidence (Source.kind == "exclusion")."""
    return active().exclusion_sources


def get_source(name: str) -> Source:
    """The definition of one source; a clear error names the known ones."""
    return active().get(name)


def get_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema over a source's all-text frame (canonical column names)."""
    return active().schema(name)


__all__ = [
    "CatalogueError",
    "Field",
    "Source",
    "all_sources",
    "department_sources",
    "exclusion_sources",
    "get_schema",
    "get_source",
    "load_catalogue",
    "use_county",
]
