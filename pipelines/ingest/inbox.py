"""Find what to load and load it: the registry export, this period's department files, or any paths.

Layout: data/registry/*.xlsx|csv and data/inbox/<period>/<folder>/*.xlsx|csv|xls, where the folder is
named however the county names its departments (医保, 县医疗保障局, medical_insurance …), or files sit
in the inbox root. Which department sent a file is read from the folder, the file and sheet names, the
title rows and the headers together (pipelines.ingest.detect): a file in the wrong folder whose headers
clearly belong to another source is taken for that source. A file nothing identifies is refused
(category unknown_source, ambiguous_source) and the run goes on.

`ingest_paths` is the one entry point: the monthly flow (`ingest_all`) and `dixian ingest` both use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from pipelines.ingest.lexicon import Lexicon, load_lexicon
from pipelines.ingest.loader import FileAccount, load_file
from pipelines.ingest.readers import SUPPORTED_SUFFIXES
from pipelines.settings import Settings
from schemas import all_sources, department_sources


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


def discover(settings: Settings, period: str) -> list[tuple[str | None, Path]]:
    """(source, path) pairs: the registry first, then folders named after a source in catalogue order,
    then the other folders and the inbox root by name. Department files get source None: the folder
    is one cue among several (pipelines.ingest.detect), never the last word."""
    found: list[tuple[str | None, Path]] = [("registry", p) for p in _files(settings.registry_dir)]
    inbox = settings.inbox_dir(period)
    for source in department_sources():
        found += [(None, p) for p in _files(inbox / source)]
    if inbox.is_dir():
        for folder in sorted(d for d in inbox.iterdir() if d.is_dir() and d.name not in department_sources()):
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
    lexicon: Lexicon | None = None,
    county_dir: Path | None = None,
) -> list[FileAccount]:
    """Load files one by one, each in its own transaction; one file's failure is recorded in its
    account (status refused, category, message) and never stops the others.

    The source is `source` when given, else detected from the folder, names, title and headers
    (refused when nothing fits or two sources fit equally)."""
    if source is not None and source not in all_sources():
        raise ValueError(f"unknown source {source!r}; known sources: {', '.join(all_sources())}")
    lexicon = lexicon or load_lexicon()
    accounts = []
    for path in expand_paths(paths):
        account = load_file(
            con, path, source, period, display_root=display_root, lexicon=lexicon, county_dir=county_dir
        )
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
    lexicon = load_lexicon(settings.county_dir)
    for source, path in discover(settings, period):
        accounts += ingest_paths(
            con,
            [path],
            source,
            period=period,
            display_root=settings.data_dir,
            on_file=on_file,
            lexicon=lexicon,
            county_dir=settings.county_dir,
        )
    return accounts
