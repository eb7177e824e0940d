"""Declarative source definitions and the pandera schemas built from them.

A *source* is one feed: the household registry or one department's extract. Its definition says
which canonical fields it has (label, type, whether the column is required), what the natural key of a
row is, which date places a row in time and what a row means. The words that name the source and its
fields in real files, and the vocabularies of its category fields, are data: schemas/lexicon.yaml (and
a county's data/county/lexicon.yaml). The definitions are data too (schemas/sources/*.yaml and a county's
data/county/sources/*.yaml, read by schemas.catalogue): adding a department needs no Python.

Check errors read "中文原因 | English reason": quarantine keeps both.

Validation follows the recipe in STACK.md: every column is read as text, the pandera schema checks
the text (so a bad value is reported with what the person typed), valid rows are cast afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pandera and polars load when a schema is built, not when settings name a source
    import pandera.polars as pa
    import polars as pl

FieldType = Literal["text", "id_number", "name", "date", "amount", "int", "enum"]
SourceKind = Literal["registry", "risk", "exclusion"]
"""registry: the household registry itself; risk: rows that may evidence a risk of returning to poverty
(a claim, a disaster loss); exclusion: rows that cast doubt on eligibility (信息比对: a car, a house,
a business, a public salary) — a hit is a question for the township, not a risk warning."""


@dataclass(frozen=True)
class Field:
    """One canonical field of a source."""

    name: str
    """English snake_case name used in the warehouse and in rules."""
    label: str
    """The Chinese label shown to people (quarantine reasons, workbooks)."""
    aliases: tuple[str, ...] = ()
    """Header wordings the source file lists; more words, and the meaning-based reading that uses
    them, live in schemas/lexicon.yaml (pipelines.ingest.lexicon merges both)."""
    type: FieldType = "text"
    required: bool = False
    """The column must be there (the rules cannot do without it); in the registry every row needs a value."""
    derive_from: str | None = None
    """For enum fields: when blank, read the code from this other field's text with this field's
    vocabulary (a department that writes 低保退出 in one column where we keep programme + change)."""


def raw_text_name(field: str) -> str:
    """The column beside a category field that keeps the department's own wording (`<field>_raw`)."""
    return field + "_raw"


def raw_text_fields(source: Source) -> list[str]:
    """The raw-text columns of a source's category fields: raw tables, facts and rules read them."""
    return [raw_text_name(f.name) for f in source.fields if f.type == "enum"]


@dataclass(frozen=True)
class Source:
    """One feed: the registry or a department extract."""

    name: str
    """Machine name, also the raw table name (raw.<name>)."""
    department: str
    """The sending department, in Chinese (医保局 …)."""
    meaning: str
    """What one row is, in words."""
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    """Fields that identify a row across resends (cumulative extracts are deduplicated on it)."""
    date_field: str | None = None
    """The field that places a row in time (used by rule windows)."""
    date_fallbacks: tuple[str, ...] = ()
    """Date fields that place the row in time when date_field is blank (出院日期 for a claim without
    结算日期); when all are blank the row is dated by the period it was delivered in."""
    causes: tuple[str, ...] = ()
    """Risk causes this source can evidence."""
    one_of: tuple[str, ...] = ("id_number", "name")
    """A row needs at least one of these to be about somebody."""
    kind: SourceKind = "risk"
    """What a row is evidence of: see SourceKind."""
    cumulative: bool = True
    """Departments resend year-to-date extracts: a row already loaded under the same natural key with
    the same content is not stored again, a changed one becomes a new version. False for snapshot
    sources (the registry: each export replaces the previous one and is loaded whole)."""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"source {self.name!r} has no field {name!r}; it has {[f.name for f in self.fields]}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _not_blank(col: str) -> pl.Expr:
    import polars as pl

    return pl.col(col).is_not_null() & (pl.col(col).str.strip_chars() != "")


def date_ok_column(field: str) -> str:
    """The boolean column the loader adds beside a date field: its text parses as a date."""
    return f"_date_ok_{field}"


def _check_for(f: Field, source: Source) -> list[pa.Check]:
    """Row checks for one field: only the date that places a row in time must be a real date when it
    is written. A row is quarantined only when it cannot be a record about someone (no name and no ID,
    see build_schema) or its date field holds an impossible date; any other value that does not parse
    loads as null and is counted in the data-quality report, and category words are never refused
    (pipelines.ingest.vocab maps them). Blank values pass: a missing date is the delivery's period."""
    import pandera.polars as pa
    import polars as pl

    if f.type != "date" or f.name != source.date_field:
        return []
    # the loader parses the date field once, over distinct values, into DATE_OK (see date_ok_column)
    expr = ~_not_blank(f.name) | pl.col(date_ok_column(f.name))
    return [
        pa.Check(
            lambda data, e=expr: data.lazyframe.select(e),
            error=f"{f.label}：日期无法识别 | {f.name}: unrecognised date",
        )
    ]


def build_schema(source: Source) -> pa.DataFrameSchema:
    """The pandera schema over the all-text frame of a source (canonical column names)."""
    import pandera.polars as pa
    import polars as pl

    columns = {}
    for f in source.fields:
        checks = _check_for(f, source)
        if f.required and source.kind == "registry":
            # a registered person without 户编号 / 乡镇 / 村 cannot be placed in a household or township
            checks.append(
                pa.Check(
                    lambda data, c=f.name: data.lazyframe.select(_not_blank(c)),
                    error=f"{f.label}：必填项为空 | {f.name}: required value is empty",
                )
            )
        columns[f.name] = pa.Column(pl.String, checks=checks, nullable=True, required=False)
    one_of = [c for c in source.one_of if c in source.field_names]
    frame_checks = []
    if one_of:
        labels = "或".join(source.field(c).label for c in one_of)

        def _someone(data, cols=tuple(one_of)):
            present = [c for c in cols if c in data.lazyframe.collect_schema().names()]
            if not present:
                return data.lazyframe.select(pl.lit(False).alias("ok"))
            return data.lazyframe.select(pl.any_horizontal([_not_blank(c) for c in present]).alias("ok"))

        frame_checks.append(
            pa.Check(_someone, error=f"{labels}至少填一项 | one of {', '.join(one_of)} is required")
        )
    return pa.DataFrameSchema(columns, checks=frame_checks, name=source.name, strict=False)
