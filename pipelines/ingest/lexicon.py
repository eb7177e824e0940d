"""The lexicon: department names, header words and category vocabularies, as data.

The built-in one ships as `schemas/lexicon.yaml`; a county adds its own words in
`<data>/county/lexicon.yaml` (same sections, entries are appended, nothing is replaced), so a new
wording never needs Python. `Lexicon` is immutable once built; `load_lexicon` is cached per county
file (path + modification time), so the loader can ask for it per file without re-reading YAML.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.ingest.meaning import CategoryTable, category_table
from schemas.catalogue import Catalogue, active, load_catalogue
from schemas.yamltext import load_yaml

BUILTIN = Path(__file__).resolve().parents[2] / "schemas" / "lexicon.yaml"
COUNTY_FILE = "lexicon.yaml"
SECTIONS = ("departments", "topics", "fields", "avoid", "generic", "equivalents", "vocab")


class LexiconError(ValueError):
    """A lexicon file is malformed: names the file and the entry."""


@dataclass(frozen=True)
class Lexicon:
    departments: dict[str, tuple[str, ...]]
    topics: dict[str, tuple[str, ...]]
    words: dict[tuple[str, str], tuple[str, ...]]
    """(source, field) → header words: the label, the schema's aliases, common and source words."""
    avoid: dict[str, tuple[str, ...]]
    generic: dict[str, tuple[str, ...]]
    vocab: dict[tuple[str, str], dict[str, tuple[str, ...]]]
    """(source, field) → canonical code → synonyms (the code itself is always a synonym)."""
    equivalents: tuple[tuple[str, ...], ...] = ()
    """Groups of interchangeable header words (类型/类别/分类/种类)."""
    ordered: frozenset[tuple[str, str]] = frozenset()
    """Vocabularies whose codes are listed from the most severe (`_ties: first`)."""
    negated: dict[tuple[str, str], str] = field(default_factory=dict)
    """Vocabulary → the code a value means when it denies a synonym (`_negated: 未受伤`)."""
    files: tuple[str, ...] = field(default=())

    def field_words(self, source: str, name: str) -> tuple[str, ...]:
        return self.words.get((source, name), ())

    def table(self, source: str, name: str) -> CategoryTable:
        """The lookup table of a field's vocabulary (ordered by severity where the lexicon says so)."""
        return category_table(
            self.vocab.get((source, name), {}),
            (source, name) in self.ordered,
            self.negated.get((source, name)),
        )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: expected sections {', '.join(SECTIONS)} at the top level")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise LexiconError(
            f"{path}: unknown section(s) {sorted(unknown)}; sections are {', '.join(SECTIONS)}"
        )
    return data


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise LexiconError(f"{where}: expected a list of words")
    return [str(v) for v in value]


def _merge(files: list[Path], catalogue: Catalogue) -> Lexicon:
    all_sources = catalogue.all_sources
    get_source = catalogue.get
    departments: dict[str, list[str]] = {}
    topics: dict[str, list[str]] = {}
    extra: dict[tuple[str, str], list[str]] = {}
    avoid: dict[str, list[str]] = {}
    generic: dict[str, list[str]] = {}
    vocab: dict[tuple[str, str], dict[str, list[str]]] = {}
    groups: list[tuple[str, ...]] = []
    ordered: set[tuple[str, str]] = set()
    negated: dict[tuple[str, str], str] = {}
    for path in files:
        data = _read(path)
        for i, group in enumerate(data.get("equivalents") or []):
            groups.append(tuple(_strings(group, f"{path}: equivalents[{i}]")))
        for key, target in (("departments", departments), ("topics", topics)):
            for source, listed in (data.get(key) or {}).items():
                if source not in all_sources:
                    raise LexiconError(
                        f"{path}: {key}.{source}: unknown source; known: {', '.join(all_sources)}"
                    )
                target.setdefault(source, []).extend(_strings(listed, f"{path}: {key}.{source}"))
        for source, fields in (data.get("fields") or {}).items():
            if source != "common" and source not in all_sources:
                raise LexiconError(
                    f"{path}: fields.{source}: unknown source; known: common, {', '.join(all_sources)}"
                )
            for name, listed in (fields or {}).items():
                if source != "common" and name not in get_source(source).field_names:
                    raise LexiconError(
                        f"{path}: fields.{source}.{name}: {source} has no field {name!r}; "
                        f"it has {get_source(source).field_names}"
                    )
                extra.setdefault((source, name), []).extend(
                    _strings(listed, f"{path}: fields.{source}.{name}")
                )
        for key, target in (("avoid", avoid), ("generic", generic)):
            for name, listed in (data.get(key) or {}).items():
                target.setdefault(name, []).extend(_strings(listed, f"{path}: {key}.{name}"))
        for qualified, codes in (data.get("vocab") or {}).items():
            source, _, name = str(qualified).partition(".")
            if source not in all_sources or name not in get_source(source).field_names:
                raise LexiconError(f"{path}: vocab.{qualified}: expected <source>.<field> of the catalogue")
            if not isinstance(codes, dict):
                raise LexiconError(f"{path}: vocab.{qualified}: expected code: [synonyms]")
            table = vocab.setdefault((source, name), {})
            if codes.pop("_ties", None) == "first":
                ordered.add((source, name))
            if "_negated" in codes:
                negated[(source, name)] = str(codes.pop("_negated"))
            for code, listed in codes.items():
                table.setdefault(str(code), []).extend(_strings(listed, f"{path}: vocab.{qualified}.{code}"))
    for src in catalogue.sources:
        # a source is always known by its own name and its department's: a county's own feed is found
        # in a folder named after it without any lexicon entry
        departments.setdefault(src.name, []).extend([src.name, src.department])
    words: dict[tuple[str, str], tuple[str, ...]] = {}
    for source in all_sources:
        # common words describe department lists; the registry export has its own national headers
        for f in get_source(source).fields:
            shared = extra.get(("common", f.name), []) if source != "registry" else []
            found = [f.label, *f.aliases, *extra.get((source, f.name), []), *shared]
            words[(source, f.name)] = tuple(dict.fromkeys(found))
    return Lexicon(
        departments={k: tuple(dict.fromkeys(v)) for k, v in departments.items()},
        topics={k: tuple(dict.fromkeys(v)) for k, v in topics.items()},
        words=words,
        avoid={k: tuple(dict.fromkeys(v)) for k, v in avoid.items()},
        generic={k: tuple(dict.fromkeys(v)) for k, v in generic.items()},
        vocab={k: {c: tuple(dict.fromkeys([c, *s])) for c, s in v.items()} for k, v in vocab.items()},
        equivalents=tuple(groups),
        ordered=frozenset(ordered),
        negated=negated,
        files=tuple(str(p) for p in files),
    )


@functools.lru_cache(maxsize=8)
def _cached(county_file: str | None, _mtime: float, catalogue: Catalogue) -> Lexicon:
    files = [BUILTIN] + ([Path(county_file)] if county_file else [])
    return _merge(files, catalogue)


def load_lexicon(county_dir: Path | None = None) -> Lexicon:
    """The built-in lexicon plus the county's additions (when `<county_dir>/lexicon.yaml` exists), over
    the county's catalogue (its own sources may have words too); without a county, the active one."""
    catalogue = load_catalogue(county_dir) if county_dir is not None else active()
    county = county_dir / COUNTY_FILE if county_dir is not None else None
    if county is not None and county.is_file():
        return _cached(str(county), county.stat().st_mtime, catalogue)
    return _cached(None, 0.0, catalogue)
