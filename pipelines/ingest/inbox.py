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

from pipelines.ingest.admission import inbox_files
from pipelines.ingest.lexicon import Lexicon, load_lexicon
from pipelines.ingest.loader import FileAccount, load_file
from pipelines.settings import Settings
from schemas import all_sources, department_sources


class InboxError(Exception):
    """The inbox layout is wrong (kept for callers; unknown folders no longer stop a run)."""


def discover(settings: Settings, period: str) -> list[tuple[str | None, Path, Path]]:
    """(source, path, folder) triples: the registry first, then folders named after a source in catalogue
    order, then the other folders and the inbox root by name. `folder` is where the file was listed
    (a file below it sits in a nested folder). Every entry is listed, readable or not: load_file says
    why one is not read (pipelines.ingest.admission). Department files get source None: the folder is
    one cue among several (pipelines.ingest.detect), never the last word."""
    registry = settings.registry_dir
    found: list[tuple[str | None, Path, Path]] = [("registry", p, registry) for p in inbox_files(registry)]
    inbox = settings.inbox_dir(period)
    for source in department_sources():
        found += [(None, p, inbox / source) for p in inbox_files(inbox / source)]
    if inbox.is_dir():
        for entry in sorted(inbox.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in department_sources():
                    found += [(None, p, entry) for p in inbox_files(entry)]
            else:
                found.append((None, entry, inbox))
    return found


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, Path | None]]:
    """(file, folder it was listed in) for files as given and every entry of a folder given."""
    out: list[tuple[Path, Path | None]] = []
    for p in paths:
        p = Path(p)
        out += [(f, p) for f in inbox_files(p)] if p.is_dir() else [(p, None)]
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
    confine_to: Path | None = None,
    folder: Path | None = None,
) -> list[FileAccount]:
    """Load files one by one, each in its own transaction; one file's failure is recorded in its
    account (status refused, category, message) and never stops the others.

    The source is `source` when given, else detected from the folder, names, title and headers
    (refused when nothing fits or two sources fit equally)."""
    if source is not None and source not in all_sources():
        raise ValueError(f"unknown source {source!r}; known sources: {', '.join(all_sources())}")
    lexicon = lexicon or load_lexicon()
    accounts = []
    for path, listed_in in expand_paths(paths):
        account = load_file(
            con,
            path,
            source,
            period,
            display_root=display_root,
            lexicon=lexicon,
            county_dir=county_dir,
            confine_to=confine_to,
            folder=folder or listed_in,
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
    for source, path, folder in discover(settings, period):
        accounts += ingest_paths(
            con,
            [path],
            source,
            period=period,
            display_root=settings.data_dir,
            on_file=on_file,
            lexicon=lexicon,
            county_dir=settings.county_dir,
            confine_to=settings.data_dir,  # a link out of the data folder is never opened
            folder=folder,
        )
    return accounts
