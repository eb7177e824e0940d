"""The source catalogue as data: schemas/catalogue.yaml + schemas/sources/*.yaml, and a county's own
feeds in <data>/county/sources/*.yaml.

A county adds a department without Python: one YAML file names its fields, natural key and date
field; its raw table, detection, header reading, facts table and rules follow from it. Every file is
checked when it is read, and an error names the file, the entry and what was expected.

Which county's catalogue a process reads is set once by `use_county` (Settings does it when it is
built, so a command and its flow see the data folder's feeds); `active()` is what stages ask.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import yaml

from schemas.yamltext import load_yaml

if TYPE_CHECKING:
    import pandera.polars as pa

from schemas.base import Field, FieldType, Source, SourceKind, build_schema

BUILTIN_DIR = Path(__file__).resolve().parent
BUILTIN_INDEX = BUILTIN_DIR / "catalogue.yaml"
BUILTIN_SOURCES = BUILTIN_DIR / "sources"
COUNTY_SOURCES = "sources"
"""The folder under <data>/county/ that holds a county's own source files."""

_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SOURCE_KEYS = {
    "name",
    "department",
    "meaning",
    "kind",
    "causes",
    "fields",
    "natural_key",
    "date_field",
    "date_fallbacks",
    "one_of",
    "cumulative",
}
_FIELD_KEYS = {"name", "label", "type", "required", "aliases", "derive_from", "common"}
_TYPES = set(get_args(FieldType))
_KINDS = set(get_args(SourceKind))
RESERVED_FIELDS = frozenset(
    {
        # raw.<source> bookkeeping (pipelines.warehouse.raw_columns)
        *(
            "batch_id",
            "row_key",
            "file",
            "sheet",
            "row_no",
            "id_damaged",
            "natural_key",
            "content_hash",
            "version",
        ),
        # what matching adds to link.facts_<source> (pipelines.facts.LINK_COLUMNS; event_date
        # excepted: a source may call its own date field so)
        *("person_id", "household_id", "age", "sex", "relation", "segment", "match_score"),
        *("match_status", "match_evidence", "copy_no"),
    }
)
"""Column names the warehouse adds beside a department's fields: a department field may not take one
(tests check this covers raw_columns and LINK_COLUMNS)."""


class CatalogueError(ValueError):
    """A catalogue file is malformed: the message names the file, the entry and what was expected."""


@dataclass(frozen=True)
class Catalogue:
    """Every source a county's pipeline knows, in the order stages iterate them."""

    sources: tuple[Source, ...]
    files: tuple[str, ...] = ()
    _schemas: dict[str, pa.DataFrameSchema] = field(default_factory=dict, compare=False, repr=False)

    @property
    def all_sources(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sources)

    @property
    def department_sources(self) -> tuple[str, ...]:
        """Every feed other than the registry."""
        return tuple(s.name for s in self.sources if s.kind != "registry")

    @property
    def exclusion_sources(self) -> tuple[str, ...]:
        """Feeds whose rows are eligibility doubts (信息比对), not risk evidence."""
        return tuple(s.name for s in self.sources if s.kind == "exclusion")

    def get(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(self.all_sources)}")

    def schema(self, name: str) -> pa.DataFrameSchema:
        """The pandera schema of a source (built once per catalogue)."""
        if name not in self._schemas:
            self._schemas[name] = build_schema(self.get(name))
        return self._schemas[name]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: expected a mapping of keys at the top level")
    return data


def _words(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise CatalogueError(f"{where}: expected a list of words, got {value!r}")
    return tuple(str(v) for v in value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: expected a non-empty text, got {value!r}")
    return value.strip()


def _ident(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise CatalogueError(
            f"{where}: {value!r} is not a valid name (lower-case letters, digits and _, starting with a letter)"
        )
    return value


def _field(entry: Any, common: dict[str, dict[str, Any]], where: str) -> Field:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected {{name, label, type, …}} or {{common: …}}, got {entry!r}")
    unknown = set(entry) - _FIELD_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {sorted(unknown)}; keys are {sorted(_FIELD_KEYS)}")
    if "common" in entry:
        base = common.get(str(entry["common"]))
        if base is None:
            raise CatalogueError(
                f"{where}: common field {entry['common']!r} is not one of {', '.join(sorted(common))}"
            )
        merged = {**base, "name": entry["common"]}
        merged["aliases"] = [*(base.get("aliases") or []), *(entry.get("aliases") or [])]
        for key in ("label", "type", "required", "derive_from"):
            if key in entry:
                merged[key] = entry[key]
        entry = merged
    name = _ident(entry.get("name"), f"{where}.name")
    ftype = entry.get("type", "text")
    if ftype not in _TYPES:
        raise CatalogueError(f"{where} ({name}): type {ftype!r} is not one of {', '.join(sorted(_TYPES))}")
    required = entry.get("required", False)
    if not isinstance(required, bool):
        raise CatalogueError(f"{where} ({name}): required must be true or false, got {required!r}")
    derive = entry.get("derive_from")
    return Field(
        name=name,
        label=_text(entry.get("label"), f"{where} ({name}).label"),
        aliases=tuple(dict.fromkeys(_words(entry.get("aliases"), f"{where} ({name}).aliases"))),
        type=ftype,
        required=required,
        derive_from=_ident(derive, f"{where} ({name}).derive_from") if derive is not None else None,
    )


def _names(value: Any, where: str, fields: set[str]) -> tuple[str, ...]:
    found = _words(value, where)
    missing = [n for n in found if n not in fields]
    if missing:
        raise CatalogueError(
            f"{where}: {missing} are not fields of this source; its fields are {sorted(fields)}"
        )
    return found


def parse_source(data: dict[str, Any], common: dict[str, dict[str, Any]], path: Path) -> Source:
    """One source file's mapping → Source, every key checked."""
    unknown = set(data) - _SOURCE_KEYS
    if unknown:
        raise CatalogueError(f"{path}: unknown key(s) {sorted(unknown)}; keys are {sorted(_SOURCE_KEYS)}")
    name = _ident(data.get("name"), f"{path}: name")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise CatalogueError(f"{path}: fields: expected a list of fields")
    fields = tuple(_field(e, common, f"{path}: fields[{i}]") for i, e in enumerate(raw_fields))
    names = [f.name for f in fields]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CatalogueError(f"{path}: fields: {repeated} defined more than once")
    known = set(names)
    kind = data.get("kind", "risk")
    if kind not in _KINDS:
        raise CatalogueError(f"{path}: kind {kind!r} is not one of {', '.join(sorted(_KINDS))}")
    taken = sorted(known & RESERVED_FIELDS) if kind != "registry" else []
    if taken:
        raise CatalogueError(f"{path}: field name(s) {taken} are used by the warehouse itself; choose others")
    for f in fields:
        if f.derive_from is not None and f.derive_from not in known:
            raise CatalogueError(f"{path}: field {f.name}: derive_from {f.derive_from!r} is not a field")
        if f.derive_from is not None and f.type != "enum":
            raise CatalogueError(f"{path}: field {f.name}: derive_from is only for enum fields")
    natural_key = _names(data.get("natural_key"), f"{path}: natural_key", known)
    if not natural_key:
        raise CatalogueError(f"{path}: natural_key: name the fields that identify a row across resends")
    dates = {f.name for f in fields if f.type == "date"}
    date_field = data.get("date_field")
    if date_field is not None and date_field not in dates:
        raise CatalogueError(
            f"{path}: date_field {date_field!r} is not a date field; date fields: {sorted(dates)}"
        )
    fallbacks = _names(data.get("date_fallbacks"), f"{path}: date_fallbacks", dates)
    one_of = _names(
        data.get("one_of", ["id_number", "name"]), f"{path}: one_of", known | {"id_number", "name"}
    )
    cumulative = data.get("cumulative", True)
    if not isinstance(cumulative, bool):
        raise CatalogueError(f"{path}: cumulative must be true or false, got {cumulative!r}")
    return Source(
        name=name,
        department=_text(data.get("department"), f"{path}: department"),
        meaning=_text(data.get("meaning"), f"{path}: meaning"),
        fields=fields,
        natural_key=natural_key,
        date_field=date_field,
        date_fallbacks=fallbacks,
        causes=_words(data.get("causes"), f"{path}: causes"),
        one_of=one_of,
        kind=kind,
        cumulative=cumulative,
    )


def _source_files(county_dir: Path | None) -> tuple[list[Path], list[Path]]:
    index = _read_yaml(BUILTIN_INDEX)
    order = _words(index.get("sources"), f"{BUILTIN_INDEX}: sources")
    builtin = [BUILTIN_SOURCES / f"{n}.yaml" for n in order]
    folder = county_dir / COUNTY_SOURCES if county_dir is not None else None
    county = (
        sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder and folder.is_dir() else []
    )
    return builtin, county


def _build(builtin: tuple[str, ...], county: tuple[str, ...]) -> Catalogue:
    index = _read_yaml(BUILTIN_INDEX)
    common = index.get("common_fields") or {}
    sources: list[Source] = []
    for i, file in enumerate([*builtin, *county]):
        path = Path(file)
        source = parse_source(_read_yaml(path), common, path)
        if i < len(builtin) and source.name != path.stem:
            raise CatalogueError(f"{path}: name {source.name!r} differs from the file name")
        clash = next((s for s in sources if s.name == source.name), None)
        if clash is not None:
            raise CatalogueError(
                f"{path}: source {source.name!r} is already defined"
                + (
                    " by the built-in catalogue; add words for it in lexicon.yaml instead"
                    if i >= len(builtin)
                    else ""
                )
            )
        if source.kind == "registry" and sources:
            raise CatalogueError(f"{path}: only the built-in registry may have kind registry")
        sources.append(source)
    return Catalogue(sources=tuple(sources), files=tuple([*builtin, *county]))


@functools.lru_cache(maxsize=8)
def _cached(builtin: tuple[str, ...], county: tuple[str, ...], _stamp: tuple[float, ...]) -> Catalogue:
    return _build(builtin, county)


def load_catalogue(county_dir: Path | None = None) -> Catalogue:
    """The built-in sources plus the county's own (cached per set of files and their modification times)."""
    builtin, county = _source_files(county_dir)
    files = [*builtin, *county]
    stamp = tuple(p.stat().st_mtime if p.exists() else -1.0 for p in files)
    return _cached(tuple(map(str, builtin)), tuple(map(str, county)), stamp)


_active_county: Path | None = None


def use_county(county_dir: Path | None) -> Catalogue:
    """Make `county_dir`'s catalogue the one stages read (checked now, so a bad file fails early)."""
    global _active_county
    catalogue = load_catalogue(county_dir)
    _active_county = county_dir
    return catalogue


def active() -> Catalogue:
    """The catalogue of the county set by use_county (the built-in one until then)."""
    return load_catalogue(_active_county)
