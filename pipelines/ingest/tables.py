"""The ingest's public table reader: how other stages (ad hoc matching, the registry for --registry) read a
file exactly as the monthly ingest does — same readers, header by meaning, validation, typing. Other stages
import from here, never the ingest's internals (the linter enforces it for pipelines/matching).

The readers load on first use, so a command that never reads a file does not import them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.ingest.errors import IngestError
from pipelines.ingest.header import HEADER_SCAN_ROWS
from pipelines.ingest.lexicon import load_lexicon
from pipelines.ingest.meaning import ACCEPT, Words, header_score

if TYPE_CHECKING:
    import polars as pl

    from pipelines.ingest.header import Reading
    from pipelines.ingest.loader import FileAccount
    from pipelines.ingest.readers import RawSheet

__all__ = [
    "ACCEPT",
    "HEADER_SCAN_ROWS",
    "IngestError",
    "Words",
    "header_score",
    "load_lexicon",
    "read_any",
    "read_header",
    "read_typed",
]


def read_any(path: Path) -> list[RawSheet]:
    """Every sheet of a CSV/XLSX/XLS file as a text grid (pipelines.ingest.readers.read_any)."""
    from pipelines.ingest.readers import read_any as _read_any

    return _read_any(path)


def read_header(*args: Any, **kwargs: Any) -> Reading | None:
    """Find and read a sheet's header by meaning (pipelines.ingest.header.read_header)."""
    from pipelines.ingest.header import read_header as _read_header

    return _read_header(*args, **kwargs)


def read_typed(path: Path, source_name: str, **kwargs: Any) -> tuple[pl.DataFrame, FileAccount]:
    """Read one file as the monthly ingest does, without a warehouse (pipelines.ingest.loader.read_typed)."""
    from pipelines.ingest.loader import read_typed as _read_typed

    return _read_typed(path, source_name, **kwargs)
