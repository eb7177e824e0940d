"""Find what to load and load it: the registry export, this period's department files, or any paths.

Layout: data/registry/*.xlsx|csv and data/inbox/<period>/<source>/*.xlsx|csv|xls, where <source> is a
source name from the catalogue (medical_insurance, health, …). Files are taken in name order. A file in
a folder that names no source is still loaded when its headers say which source it is; otherwise it
is refused (category unknown_source) and the run goes on.

`ingest_paths` is the one entry point: the monthly flow (`ingest_all`) and `dixian ingest` both use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from pipelines.ingest.loader import FileAccount, load_file
from pipelines.ingest.readers import SUPPORTED_SUFFIXES
from pipelines.settings import Settings
from schemas import ALL_SOURCES, DEPARTMENT_SOURCES


class InboxError(Exception):
    """The inbox layout is wrong (kept for callers; unknown folders no longer stop a run)."""


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(("~$", "."))
    )


def source_from_folder(path: Path) -> str | None:
    """The source a file's parent folder names, if it names one."""
    name = path.parent.name
    return name if name in ALL_SOURCES else None


def discover(settings: Settings, period: str) -> list[tuple[str | None, Path]]:
    """(source, path) pairs: the registry first, then departments in catalogue order, then files in
    folders that name no source (source None: detected from their headers)."""
    found: list[tuple[str | None, Path]] = [("registry", p) for p in _files(settings.registry_dir)]
    inbox = settings.inbox_dir(period)
    for source in DEPARTMENT_SOURCES:
        found += [(source, p) for p in _files(inbox / source)]
    if inbox.is_dir():
        for folder in sorted(d for d in inbox.iterdir() if d.is_dir() and d.name not in DEPARTMENT_SOURCES):
            found += [(None, p) for p in _files(folder)]
        found += [(None, p) for p in _files(inbox)]
    return found


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for its supported files (name order)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        out += _files(p) if p.is_dir() else [p]
    return out


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[Path],
    source: str | None = None,
    *,
    period: str,
    display_root: Path | None = None,
    on_file: Callable[[FileAccount], None] | None = None,
) -> list[FileAccount]:
    """Load files one by one, each in its own transaction; one file's failure is recorded in its
    account (status refused, category, message) and never stops the others.

    The source is `source` when given, else the one the parent folder names, else the one whose header
    aliases fit best (refused when none or several fit)."""
    if source is not None and source not in ALL_SOURCES:
        raise ValueError(f"unknown source {source!r}; known sources: {', '.join(ALL_SOURCES)}")
    accounts = []
    for path in expand_paths(paths):
        account = load_file(con, path, source or source_from_folder(path), period, display_root=display_root)
        accounts.append(account)
        if on_file:
            on_file(account)
    return accounts


def ingest_all(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    period: str,
    on_file: Callable[[FileAccount], None] | None = None,
) -> list[FileAccount]:
    """Load every file of the period (see discover) through ingest_paths."""
    accounts: list[FileAccount] = []
    for source, path in discover(settings, period):
        accounts += ingest_paths(
            con, [path], source, period=period, display_root=settings.data_dir, on_file=on_file
        )
    return accounts
