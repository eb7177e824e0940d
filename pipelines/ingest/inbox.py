"""Find what to load: the registry export and this period's department files.

Layout: data/registry/*.xlsx|csv and data/inbox/<period>/<source>/*.xlsx|csv, where <source> is a
source name from the catalogue (medical_insurance, health, …). Files are taken in name order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.ingest.loader import FileAccount, load_file
from pipelines.ingest.readers import SUPPORTED_SUFFIXES
from pipelines.settings import Settings
from schemas import DEPARTMENT_SOURCES


class InboxError(Exception):
    """The inbox layout is wrong (e.g. a folder that names no known source)."""


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def discover(settings: Settings, period: str) -> list[tuple[str, Path]]:
    """(source, path) pairs: the registry first, then departments in catalogue order."""
    found = [("registry", p) for p in _files(settings.registry_dir)]
    inbox = settings.inbox_dir(period)
    if inbox.is_dir():
        unknown = sorted(d.name for d in inbox.iterdir() if d.is_dir() and d.name not in DEPARTMENT_SOURCES)
        if unknown:
            raise InboxError(
                f"{inbox}: folder(s) {', '.join(unknown)} name no known source; expected one of {', '.join(DEPARTMENT_SOURCES)}"
            )
    for source in DEPARTMENT_SOURCES:
        found += [(source, p) for p in _files(inbox / source)]
    return found


def ingest_all(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    on_file: Callable[[FileAccount], None] | None = None,
) -> list[FileAccount]:
    """Load every file; one file's failure is recorded in its account and never stops the others."""
    accounts = []
    for source, path in discover(settings, period):
        account = load_file(con, path, source, period, display_root=settings.data_dir)
        accounts.append(account)
        if on_file:
            on_file(account)
    return accounts
