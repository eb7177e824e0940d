"""Find the header row below title rows and map each column to a canonical field by meaning.

Headers come as people lay them out: one row, or two rows where a merged group cell (费用情况)
spans the real column names below it (总费用 / 个人自付), or where a column name merged over both rows
leaves the lower cell blank. `find_header` tries every row and every pair of adjacent rows among the
first rows, scores each column against each field (pipelines.ingest.meaning: words of the lexicon,
contained or equal, units in brackets), keeps the reading that names the most, then lets the values
below confirm the types and pairs columns and fields one to one with a confidence.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from pipelines.ingest.errors import HeaderError, MissingColumnsError, NoHeaderError
from pipelines.ingest.lexicon import Lexicon, load_lexicon
from pipelines.ingest.meaning import (
    ACCEPT,
    SURE,
    Words,
    assign,
    confirmed,
    equivalents,
    fold,
    header_score,
    is_percent,
    unit_scale,
    value_fit,
    vocab_fit,
)
from schemas.base import Source

HEADER_SCAN_ROWS = 20
SAMPLE_ROWS = 200
"""Rows below the header whose values confirm each column's type."""
ID_SURE = 0.9
"""A column at least this full of ID numbers is the ID column whatever its header says (confidence 0.6)."""
VOCAB_SURE = 0.8
"""A column whose distinct values the field's vocabulary knows at least this well is that field (with a
header that does not name it, at a confidence of 0.45 + 0.3 × the share known)."""
COMMON_FIELDS = frozenset({"name", "id_number", "address", "township", "village", "group"})
"""Fields nearly every source has: they do not tell sources apart."""

__all__ = [
    "HEADER_SCAN_ROWS",
    "HeaderError",
    "HeaderMap",
    "find_header",
    "read_header",
    "source_words",
]


def source_words(source: Source, lexicon: Lexicon) -> dict[str, Words]:
    """Each field's words for this source. Weak words (lexicon `generic`) apply to the source's own date
    field (日期 / 时间) and to the person's name (…人 / …者, if the values are names); `avoid` words
    apply by field name and by type (@date: 填报日期 is when the form was filled, not the event)."""
    out = {}
    equiv = equivalents(lexicon.equivalents)
    for f in source.fields:
        weak: tuple[str, ...] = ()
        if f.type == "date" and f.name == source.date_field:
            weak = lexicon.generic.get("date", ())
        elif f.type == "name":
            weak = lexicon.generic.get("name", ())
        avoid = (*lexicon.avoid.get(f.name, ()), *lexicon.avoid.get("@" + f.type, ()))
        out[f.name] = Words.of(lexicon.field_words(source.name, f.name), avoid, weak, equiv)
    return out


@dataclass(frozen=True)
class HeaderMap:
    """Where the header is and which grid column holds which canonical field."""

    header_row_no: int
    """The last header row: data starts below it."""
    columns: dict[str, str]
    """grid column (c0…) → canonical field name."""
    unknown: tuple[str, ...]
    """Header texts that match no field (kept out of the warehouse, reported)."""
    header_rows: int = 1
    """1, or 2 for a two-row (merged group) header."""
    texts: dict[str, str] | None = None
    """grid column → the header text as read (two-row headers joined with '/')."""
    confidence: dict[str, float] = field(default_factory=dict)
    """canonical field → how surely its column was recognised (1.0: a word of the lexicon exactly)."""
    scales: dict[str, float] = field(default_factory=dict)
    """amount field → factor to yuan from a unit in its header (（万元） → 10000)."""


def _labels(grid: pl.DataFrame) -> list[str]:
    return [c for c in grid.columns if c != "row_no"]


def _candidates(
    top: dict, below: dict | None, cols: list[str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Column → header texts to try, and column → shown text, for one row or a pair of rows.

    In a pair, the lower cell names the column on its own or joined to the group above it (carried
    right across its merged span); a blank lower cell leaves the upper text (a name merged down)."""
    cands: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    group: str | None = None
    for c in cols:
        upper = top.get(c)
        if below is None:
            options = [upper]
            shown = upper
        else:
            lower = below.get(c)
            if upper is not None:
                group = upper
            elif lower is None:
                group = None
            if lower is None:
                options = [upper]
                shown = upper
            else:
                options = [lower, (group or "") + lower]
                if group and upper is None:
                    options.append(group)
                shown = f"{group}/{lower}" if group else lower
        if shown is not None:
            texts[c] = str(shown)
        cands[c] = [str(o) for o in options if o is not None]
    return cands, texts


def _scores(cands: dict[str, list[str]], words: dict[str, Words]) -> dict[tuple[str, str], float]:
    out = {}
    for c, options in cands.items():
        for name, w in words.items():
            s = max((header_score(o, w) for o in options), default=0.0)
            if s > 0:
                out[(c, name)] = s
    return out


@dataclass(frozen=True)
class Reading:
    pos: int
    used: int
    columns: dict[str, tuple[str, float]]
    texts: dict[str, str]
    cands: dict[str, list[str]]


def _filled(row: dict, cols: list[str]) -> int:
    return sum(1 for c in cols if row.get(c) is not None and str(row[c]).strip())


def _best_reading(
    grid: pl.DataFrame, words: dict[str, Words], cols: list[str], min_fields: int = 2
) -> Reading | None:
    """The row (or pair of rows) whose headers name the most fields, by header text alone.

    A pair of rows is a two-row header only when it names more fields than either row alone and its
    upper row is a header row too (group cells over several columns), not a title or a 填报单位 line
    (one or two filled cells over a full row)."""
    rows = list(grid.head(HEADER_SCAN_ROWS + 1).iter_rows(named=True))
    singles: list[tuple[int, dict[str, tuple[str, float]], dict[str, str], dict[str, list[str]]]] = []
    for row in rows[:HEADER_SCAN_ROWS]:
        cands, texts = _candidates(row, None, cols)
        singles.append((0, assign(_scores(cands, words), cols), texts, cands))
    best: Reading | None = None
    best_n = min_fields - 1  # a header names at least two fields (a person list: one)
    best_filled = 0
    for pos in range(len(singles)):
        n = len(singles[pos][1])
        filled = _filled(rows[pos], cols)
        # more fields named wins; at equal count the fuller row (a title that mentions 身份证号 is one cell)
        if n > best_n or (n == best_n and best is not None and filled > best_filled):
            best_n, best_filled = n, filled
            best = Reading(pos, 1, singles[pos][1], singles[pos][2], singles[pos][3])
        if pos + 1 >= len(rows) or pos + 1 >= len(singles):
            continue
        upper, lower = rows[pos], rows[pos + 1]
        if _filled(upper, cols) <= 2 < _filled(lower, cols):
            continue  # a title over a header, not a group header
        cands, texts = _candidates(upper, lower, cols)
        mapping = assign(_scores(cands, words), cols)
        if len(mapping) > max(best_n, n, len(singles[pos + 1][1])):
            best_n, best = len(mapping), Reading(pos, 2, mapping, texts, cands)
    return best


def read_header(
    grid: pl.DataFrame,
    source: Source,
    lexicon: Lexicon | None = None,
    *,
    words: dict[str, Words] | None = None,
    min_fields: int = 2,
) -> Reading | None:
    """The best header reading with every column's type confirmed by the values below it. `words`
    replaces the lexicon's for a source outside the catalogue (an ad hoc person list, which may also
    name a single field: min_fields=1)."""
    lexicon = lexicon or load_lexicon()
    words = words or source_words(source, lexicon)
    cols = _labels(grid)
    reading = _best_reading(grid, words, cols, min_fields)
    if reading is None:
        return None
    body = grid.slice(reading.pos + reading.used, SAMPLE_ROWS)
    types = {f.name: f.type for f in source.fields}
    scores = _scores(reading.cands, words)
    fits: dict[tuple[str, str], float | None] = {}
    for (c, name), s in list(scores.items()):
        key = (c, types[name])
        if key not in fits:
            fits[key] = value_fit(types[name], body.get_column(c).to_list())
        # a header that is exactly a field's word keeps the column even when its values are damaged
        # (the rows then quarantine with reasons); a contained word needs the values to agree
        scores[(c, name)] = max(confirmed(s, fits[key]), SURE) if s >= 1.0 else confirmed(s, fits[key])
    # a share is not money: 自付比例(%) never holds out_of_pocket (a ratio field's own words say 比例)
    for c, name in list(scores):
        percent = types[name] == "amount" and is_percent(reading.texts.get(c, ""))
        if percent and not any(is_percent(w) for w in words[name].words):
            del scores[(c, name)]
    # a category column is also known by its values: 在读/辍学 under any header is a school status, and
    # a header that names the field over values its vocabulary does not know is less sure (业务类型 over
    # 新增/退出 is the change, not the programme); an ID column by its ID numbers (社会保障号码)
    enum_fits: dict[tuple[str, str], float | None] = {
        (c, f.name): vocab_fit(body.get_column(c).to_list(), lexicon.table(source.name, f.name))
        for f in source.fields
        if f.type == "enum"
        for c in cols
        if c in reading.texts
    }
    for f in source.fields:
        if f.type not in ("enum", "id_number"):
            continue
        for c in cols:
            if c not in reading.texts:
                continue
            values = body.get_column(c).to_list()
            if f.type == "id_number":
                fit = value_fit("id_number", values)
                if fit is not None and fit >= ID_SURE:
                    scores[(c, f.name)] = max(scores.get((c, f.name), 0.0), 0.6)
                continue
            fit = enum_fits[(c, f.name)]
            if fit is None:
                continue
            named = header_score(reading.texts[c], words[f.name])
            elsewhere = max(
                (v or 0.0 for (c2, n), v in enum_fits.items() if c2 == c and n != f.name), default=0.0
            )
            rivals = sum(1 for (c2, n), v in scores.items() if n == f.name and c2 != c and v >= ACCEPT)
            contested = rivals > 0 or (fit < 0.3 and elsewhere >= VOCAB_SURE)
            if (c, f.name) in scores and contested and (named < 1.0 or elsewhere >= VOCAB_SURE):
                # when two columns claim the field, or the values plainly belong to another field (业务类型
                # over 新增/停保 is the change, not the programme), values the vocabulary does not know make
                # a header less sure; an uncontested header keeps its column whatever its values (unknown
                # words load and are listed, the file is not refused for them)
                scores[(c, f.name)] *= 0.5 + 0.5 * fit
            if fit >= VOCAB_SURE and not _index_like(values):
                scores[(c, f.name)] = max(scores.get((c, f.name), 0.0), 0.45 + 0.3 * fit + 0.01 * named)
    mapping = assign(scores, cols)
    if len(mapping) < min_fields:
        return None
    return Reading(reading.pos, reading.used, mapping, reading.texts, reading.cands)


def _index_like(values: list) -> bool:
    """Digits only (序号 1, 2, 3 …; amounts): values alone never make such a column a category."""
    present = [str(v).strip() for v in values if v is not None and str(v).strip()]
    return bool(present) and all(v.replace(".", "", 1).isdigit() for v in present)


def source_fit(grid: pl.DataFrame, source: Source, lexicon: Lexicon | None = None) -> tuple[float, int, bool]:
    """How well a sheet's headers fit a source: (confidence summed over distinctive fields, fields named,
    whether every required field is named). Common fields (name, ID, place) name a person, not a source."""
    reading = read_header(grid, source, lexicon)
    if reading is None:
        return (0.0, 0, False)
    named = {f: s for f, s in reading.columns.values()}
    required = all(
        f.name in named or f.name in _fallback_named(source, named) for f in source.fields if f.required
    )
    # only surely read columns tell departments apart: a bare 日期 fits every source's date field
    distinctive = sum(s for f, s in named.items() if f not in COMMON_FIELDS and s >= SURE)
    return (round(distinctive, 6), len(named), required)


def _fallback_named(source: Source, named: dict[str, float]) -> set[str]:
    """The source's date field counts as present when one of its fallbacks is (出院日期 for 结算日期)."""
    if source.date_field and any(f in named for f in source.date_fallbacks):
        return {source.date_field}
    return set()


def _closest(field_headers: tuple[str, ...], found: list[str]) -> str | None:
    best: tuple[float, str] | None = None
    for text in found:
        folded = fold(text)
        for alias in field_headers:
            ratio = difflib.SequenceMatcher(None, folded, fold(alias)).ratio()
            if ratio >= 0.5 and (best is None or ratio > best[0]):
                best = (ratio, text)
    return best[1] if best else None


def find_header(grid: pl.DataFrame, source: Source, where: str, lexicon: Lexicon | None = None) -> HeaderMap:
    """The header reading that names the most fields, its columns confirmed by their values."""
    lexicon = lexicon or load_lexicon()
    reading = read_header(grid, source, lexicon)
    if reading is None:
        expected = "、".join(f.label for f in source.fields if f.required or f.name in ("name", "id_number"))
        raise NoHeaderError(
            where,
            f"no header row found in the first {HEADER_SCAN_ROWS} rows for source {source.name}; "
            f"expected columns like {expected} | 未找到表头",
        )
    confidence = {f: s for f, s in reading.columns.values()}
    texts = reading.texts
    last = grid.row(reading.pos + reading.used - 1, named=True)
    named = set(confidence)
    missing = [
        f
        for f in source.fields
        if f.required and f.name not in named and f.name not in _fallback_named(source, confidence)
    ]
    if missing:
        found = [t for t in texts.values() if t]
        closest = {
            f.label: near
            for f in missing
            if (near := _closest(lexicon.field_words(source.name, f.name), found)) is not None
        }
        parts = []
        for f in missing:
            hint = f" (closest header found: {closest[f.label]!r})" if f.label in closest else ""
            parts.append(f"{f.label}{hint}")
        raise MissingColumnsError(
            where,
            f"required column(s) missing for source {source.name}: {'; '.join(parts)}; "
            f"header row {last['row_no']} has {found} | 缺少必填列 {'、'.join(f.label for f in missing)}",
            missing=tuple(f.label for f in missing),
            found=tuple(found),
            closest=closest,
        )
    someone = [f for f in source.fields if f.name in source.one_of]
    if someone and not ({f.name for f in someone} & named):
        labels = "/".join(f.label for f in someone)
        raise MissingColumnsError(
            where,
            f"none of the columns {labels} was found (a row must say who it is about); header row "
            f"{last['row_no']} has {[t for t in texts.values() if t]} | 缺少{labels}列",
            missing=tuple(f.label for f in someone),
            found=tuple(t for t in texts.values() if t),
        )
    return header_map(grid, reading, source)


def header_map(grid: pl.DataFrame, reading: Reading, source: Source) -> HeaderMap:
    """The HeaderMap of a reading (columns, confidences, units), without checking required fields: for
    find_header and for mapping proposals of files that cannot load as they are."""
    mapping = {c: f for c, (f, _) in reading.columns.items()}
    types = {f.name: f.type for f in source.fields}
    scales: dict[str, float] = {}
    for c, name in mapping.items():
        if types[name] == "amount":
            factor = max((unit_scale(o) for o in reading.cands.get(c, [])), default=1.0)
            if factor != 1.0:
                scales[name] = factor
    return HeaderMap(
        header_row_no=int(grid.row(reading.pos + reading.used - 1, named=True)["row_no"]),
        columns=mapping,
        unknown=tuple(t for c, t in reading.texts.items() if c not in mapping),
        header_rows=reading.used,
        texts=reading.texts,
        confidence={f: round(s, 3) for f, s in reading.columns.values()},
        scales=scales,
    )
