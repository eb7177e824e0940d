"""Reading by meaning: how well a header names a field, whether a column's values fit it, which
category code a value means, which department a piece of text names. Pure functions, no I/O.

A header names a field when, after folding (width, spaces, stars, colons) and taking off a unit in
brackets, it equals one of the field's words (score 1.0) or contains one: 0.55 + 0.45 × the share of
the header the word covers, so 个人自付金额 reads as 个人自付 with a little less certainty and
本学年个人自付费用 less again. Words that name another person or thing (经办人姓名) halve a
contained match. The column's values then confirm the field's type: a "name" column full of
18-digit numbers is not a name. Columns and fields are paired one to one, best score first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.normalize.values import parse_amount_expr, parse_date_expr

ACCEPT = 0.5
"""A column is mapped to a field at or above this score (after value confirmation)."""
SURE = 0.7
"""At or above this, a mapping needs no confirmation by a person."""

_FOLD_DROP = re.compile(r"[\s*＊:：、_\-—]+")
_UNIT = re.compile(r"[(\[【{<]([^)\]】}>]*)[)\]】}>]$")
UNIT_SCALE: dict[str, float] = {
    "元": 1.0,
    "万元": 10_000.0,
    "万": 10_000.0,
    "千元": 1_000.0,
    "百元": 100.0,
    "亿元": 1e8,
}
"""A unit named in a header (（万元）) scales amounts to yuan."""
MISSING_MARKS = frozenset(
    {"无", "暂无", "不详", "未知", "/", "-", "—", "——", "空", "null", "none", "nan", "0"}
)
"""Values that stand for 'nothing' rather than a value (kept out of type confirmation)."""

CATEGORY_MAX_LEN = 12
"""Longest value still read as a category word when a column is recognised by its values."""

_CJK_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•・.．\s]{2,12}$")
_ID_LIKE = re.compile(r"^[\dXx*＊]{15,18}$|^\d(\.\d+)?[eE]\+?\d+$|^\d{6}\*+\d{2,4}[\dXx]?$")


def fold(text: object) -> str:
    """Compare header and category text ignoring width, case, spaces, stars and colons."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return _FOLD_DROP.sub("", s)


def split_unit(folded: str) -> tuple[str, str | None]:
    """'直接经济损失(万元)' → ('直接经济损失', '万元'); a trailing unit word without brackets counts too."""
    m = _UNIT.search(folded)
    if m:
        return folded[: m.start()], m.group(1) or None
    for unit in sorted(UNIT_SCALE, key=len, reverse=True):
        if len(folded) > len(unit) + 1 and folded.endswith(unit) and len(unit) > 1:
            return folded[: -len(unit)], unit
    return folded, None


PERCENT_WORDS = ("%", "％", "比例", "比率", "百分比", "占比")


def is_percent(header: object) -> bool:
    """A share, not money: 自付比例(%) is not an amount in yuan."""
    h = fold(header)
    return any(w in h for w in PERCENT_WORDS)


def unit_scale(header: object) -> float:
    """The factor that turns a header's amounts into yuan (1.0 when it names no money unit)."""
    _, unit = split_unit(fold(header))
    if unit is None:
        return 1.0
    unit = unit.replace("单位", "").replace("人民币", "")
    return UNIT_SCALE.get(unit, 1.0)


Equivalents = tuple[tuple[str, str], ...]
"""(variant, canonical) word pairs that mean the same in a header (类型 = 类别, 时间 = 日期), longest first."""


def equivalents(groups: Iterable[Sequence[str]]) -> Equivalents:
    """Pairs from groups of interchangeable header words (the first word of a group is canonical; it maps
    to itself so that a longer word is never rewritten by a shorter one inside it: 号码 stays 号码)."""
    pairs = [(fold(v), fold(g[0])) for g in groups for v in g if fold(v) and fold(g[0])]
    return tuple(sorted(set(pairs), key=lambda p: (-len(p[0]), p[0])))


@functools.lru_cache(maxsize=64)
def _equiv_pattern(equiv: Equivalents) -> tuple[re.Pattern[str], dict[str, str]]:
    return re.compile("|".join(re.escape(v) for v, _ in equiv)), dict(equiv)


def canonical(folded: str, equiv: Equivalents) -> str:
    """One left-to-right pass, longest word first: 证件号码 stays 证件号码, 医疗类型 reads 医疗类别."""
    if not equiv:
        return folded
    pattern, table = _equiv_pattern(equiv)
    return pattern.sub(lambda m: table[m.group(0)], folded)


@dataclass(frozen=True)
class Words:
    """A field's header words, folded once."""

    words: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    equiv: Equivalents = ()

    @classmethod
    def of(
        cls,
        words: Iterable[str],
        avoid: Iterable[str] = (),
        weak: Iterable[str] = (),
        equiv: Equivalents = (),
    ) -> Words:
        def prep(ws: Iterable[str]) -> tuple[str, ...]:
            return tuple(
                dict.fromkeys(w for w in (canonical(split_unit(fold(x))[0], equiv) for x in ws) if w)
            )

        return cls(prep(words), prep(avoid), prep(weak), equiv)


def header_score(header: object, words: Words) -> float:
    """How surely a header names the field (0 … 1)."""
    h, _ = split_unit(fold(header))
    h = canonical(h, words.equiv)
    if not h:
        return 0.0
    best = 0.0
    for w in words.words:
        if h == w:
            return 1.0
        if w in h:
            best = max(best, 0.55 + 0.45 * len(w) / len(h))
    if best and any(a in h for a in words.avoid):
        best *= 0.5
    if not best:
        # a weak word (日期 for the source's own date, 人 for a person) names the field only when nothing
        # better does; the values must then confirm it almost fully (see confirmed)
        for w in words.weak:
            if w in h and not any(a in h for a in words.avoid):
                best = max(best, 0.45 + 0.25 * len(w) / len(h))
    return best


def _present(values: Sequence[object]) -> list[str]:
    out = []
    for v in values:
        if v is None:
            continue
        s = unicodedata.normalize("NFKC", str(v)).strip()
        if s and s.lower() not in MISSING_MARKS:
            out.append(s)
    return out


def value_fit(field_type: str, values: Sequence[object]) -> float | None:
    """Share of a column's (non-blank) values that look like the field's type; None when there are none
    or the type says nothing about the values (free text, categories)."""
    present = _present(values)
    if not present or field_type in ("text", "enum"):
        return None
    if field_type == "name":
        ok = sum(1 for v in present if _CJK_NAME.match(v) or ("之" in v and len(v) <= 12))
    elif field_type == "id_number":
        ok = sum(1 for v in present if _ID_LIKE.match(re.sub(r"[\s\-'‘’`]", "", v)))
    elif field_type == "date":
        s = pl.Series(present, dtype=pl.String)
        ok = int(pl.select(parse_date_expr(pl.lit(s)).is_not_null().sum()).item())
    elif field_type in ("amount", "int"):
        s = pl.Series(present, dtype=pl.String)
        ok = int(pl.select(parse_amount_expr(pl.lit(s)).is_not_null().sum()).item())
    else:
        return None
    return ok / len(present)


def vocab_fit(values: Sequence[object], table: list[tuple[str, str]]) -> float | None:
    """Share of a column's distinct values that the field's vocabulary knows (None: no values)."""
    distinct = sorted(set(_present(values)))
    if not distinct or not table:
        return None
    # category values are short; a sentence that happens to contain a code word (a note saying 新增发放)
    # does not make its column a category column
    return sum(
        1 for v in distinct if len(v) <= CATEGORY_MAX_LEN and map_category(v, table) is not None
    ) / len(distinct)


def confirmed(score: float, fit: float | None) -> float:
    """A header score weighed by how well the values fit: values that contradict the type sink it."""
    if fit is None:
        return score
    return score * (0.2 + 0.8 * fit)


def assign(scores: dict[tuple[str, str], float], order: Sequence[str]) -> dict[str, tuple[str, float]]:
    """One-to-one column → (field, score): best score first, ties to the leftmost column, then the field
    listed first; pairs under ACCEPT are left unmapped."""
    rank = {c: i for i, c in enumerate(order)}
    pairs = sorted(
        ((s, c, f) for (c, f), s in scores.items() if s >= ACCEPT), key=lambda t: (-t[0], rank[t[1]], t[2])
    )
    taken_c: dict[str, tuple[str, float]] = {}
    taken_f: set[str] = set()
    for s, c, f in pairs:
        if c in taken_c or f in taken_f:
            continue
        taken_c[c] = (f, s)
        taken_f.add(f)
    return taken_c


class CategoryTable(list[tuple[str, str]]):
    """(folded synonym, code), longest synonym first: the lookup order of `map_category`. `rank` is set
    for a vocabulary whose codes are listed from the most to the least severe (`_ties: first`): a value
    naming two of them (受伤致残) then means the first (致残). `negated` is the code a value means when it
    denies a synonym (无人员受伤 → 未受伤; `_negated:` in the lexicon)."""

    rank: dict[str, int] | None = None
    negated: str | None = None


NEGATION = re.compile(r"(没有|不予|不再|无|未|非|否)[^,，;；。、]{0,2}$")
"""A negation at most two characters before a category word denies it: 无人员受伤, 未受损 (but not
未成年人死亡, nor 不慎受伤: 不 is too common in other words)."""


def category_table(
    codes: dict[str, tuple[str, ...]], ordered: bool = False, negated: str | None = None
) -> CategoryTable:
    pairs = {(fold(s), code) for code, syns in codes.items() for s in syns if fold(s)}
    table = CategoryTable(sorted(pairs, key=lambda p: (-len(p[0]), p[0], p[1])))
    if ordered:
        table.rank = {code: i for i, code in enumerate(codes)}
    table.negated = negated
    return table


def _denied(value: str, syn: str) -> bool:
    """The synonym occurs in the value only right after a negation (无人员受伤, 未受损)."""
    start = value.find(syn)
    while start >= 0:
        if not NEGATION.search(value[:start]):
            return False
        start = value.find(syn, start + 1)
    return True


def map_category(value: object, table: list[tuple[str, str]]) -> str | None:
    """The canonical code a category value means: an equal synonym, else the longest synonym the value
    contains (一级（极重度） → 1, C级危房 → C); None when none fits or two codes tie at the longest
    (unless the vocabulary is ordered by severity: then the most severe)."""
    v = fold(value)
    if not v:
        return None
    for syn, code in table:
        if v == syn:
            return code
    rank = getattr(table, "rank", None)
    best_len = 0
    found: set[str] = set()
    denied = False
    for syn, code in table:
        if len(syn) < 2:
            break  # a one-letter code (A, 1) is only ever an exact value: 100 is not grade 1
        if len(syn) < best_len and not rank:
            break  # the longest word wins (C级危房 over 危房) …
        if syn in v:
            if _denied(v, syn):
                denied = True
                continue
            best_len = max(best_len, len(syn))
            found.add(code)
    if rank and found:
        # … except in a vocabulary ordered by severity: 死亡1人，无人受伤 is a death
        return min(found, key=lambda c: rank.get(c, len(rank)))
    if not found and denied:
        return getattr(table, "negated", None)
    return found.pop() if len(found) == 1 else None


def name_cues(text: object, names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Sources a piece of text (a folder, file, sheet or title) names → the length of the longest name
    it contains (longer names are surer: 交通管理 over 公安 in 公安局交通管理大队)."""
    t = fold(text)
    out: dict[str, int] = {}
    if not t:
        return out
    for source, words in names.items():
        for w in words:
            fw = fold(w)
            if fw and fw in t:
                out[source] = max(out.get(source, 0), len(fw))
    return out
