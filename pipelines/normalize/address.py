"""Addresses → township / village / group, using the registry's own place names as the gazetteer.

People type addresses many ways: 石台县仁里镇桃源村第三村民小组, 仁里桃源村3组, 仁里镇桃源村三组.
The gazetteer knows each township's full name and its short form (仁里镇 → 仁里), each village's
full name and stem (桃源村 → 桃源) within its township, and groups by number (第三村民小组 = 3组 = 三组
= 三队). Parsing is done once per distinct address and joined back (addresses repeat a lot).

Precision first: a short form (仁里, 桃源) counts only where it is expected (a township short form at
the start of the address after the county/city prefix; a village stem right after a recognised
township), so 池州市贵池区秋浦西路 never becomes 秋浦村.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_GROUP = re.compile(r"^第?([0-9一二三四五六七八九十两〇零]{1,4})(?:村民小组|村民组|小组|组|队)")
_ADMIN_PREFIX = re.compile(r"^(?:[^省市县区镇乡村]{2,8}省)?(?:[^省市县区镇乡村]{2,6}市)?")
_COUNTY_PREFIX = re.compile(r"^([^省市县区镇乡村]{1,5}[县区])")
_SPACES = re.compile(r"\s+")
_PREFIX_CHARS = 4
"""How long an unrecognised prefix (a county's short name) before a township's full name may be."""
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def _rust_escape(text: str) -> str:
    """A literal for polars' regex engine (Python's re.escape escapes characters it rejects)."""
    return re.sub(r"([\\.+*?()|\[\]{}^$#&~-])", r"\\\1", text)


def chinese_to_int(text: str) -> int | None:
    """'3', '03', '三', '十二', '二十', '二十三' → int; None when it is not a number."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = 1 if tens == "" else _CN_DIGITS.get(tens)
        o = 0 if ones == "" else _CN_DIGITS.get(ones)
        if t is None or o is None or len(tens) > 1 or len(ones) > 1:
            return None
        return t * 10 + o
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    return None


def group_number(text: str | None) -> int | None:
    """第三村民小组 / 3组 / 三组 / 第03组 / 三队 → 3; None when the text does not start with a group."""
    if not text:
        return None
    m = _GROUP.match(unicodedata.normalize("NFKC", str(text)).replace(" ", ""))
    return chinese_to_int(m.group(1)) if m else None


def _alternation(aliases: Sequence[tuple[str, Any]]) -> tuple[re.Pattern[str], dict[str, Any]]:
    """One regex trying the aliases in their order (callers sort them longest first) and the alias →
    canonical map."""
    canonical: dict[str, Any] = {}
    for alias, value in aliases:
        canonical.setdefault(alias, value)
    return re.compile("|".join(re.escape(a) for a, _ in aliases)), canonical


def registry_group_number(text: str | None) -> int | None:
    """A registry's 村民小组 cell: a group name (第三村民小组, 3组) or the bare number (3, 03, 三)."""
    if not text:
        return None
    found = group_number(text)
    if found is not None:
        return found
    bare = unicodedata.normalize("NFKC", str(text)).strip().removeprefix("第")
    return chinese_to_int(bare)


def _stem(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


@dataclass
class Gazetteer:
    """Place names of the registry: townships, their villages, and the groups each village has."""

    townships: list[str]
    villages: dict[str, list[str]]
    """township → its villages."""
    county_names: tuple[str, ...] = ()
    _township_full: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _township_short: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _village_alias: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)
    _village_unique: list[tuple[str, tuple[str, str]]] = field(default_factory=list, repr=False)
    _compiled: dict[int, tuple[re.Pattern[str], dict[str, Any]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._township_full = sorted(((t, t) for t in self.townships), key=lambda p: -len(p[0]))
        shorts = [(s, t) for t in self.townships if (s := _stem(t, _TOWNSHIP_SUFFIXES))]
        self._township_short = sorted(shorts, key=lambda p: -len(p[0]))
        for t, vs in self.villages.items():
            aliases = [(v, v) for v in vs] + [(s, v) for v in vs if (s := _stem(v, ("村", "社区", "居委会")))]
            self._village_alias[t] = sorted(aliases, key=lambda p: -len(p[0]))
        full_names: dict[str, list[tuple[str, str]]] = {}
        for t, vs in self.villages.items():
            for v in vs:
                full_names.setdefault(v, []).append((t, v))
        # A full village name alone places the address only when it is unique county-wide.
        self._village_unique = sorted(
            ((v, tv[0]) for v, tv in full_names.items() if len(tv) == 1), key=lambda p: -len(p[0])
        )

    @classmethod
    def from_places(cls, places: pl.DataFrame, county_names: tuple[str, ...] = ()) -> Gazetteer:
        """From a frame with township and village columns (core.persons or core.households)."""
        distinct = places.select("township", "village").drop_nulls().unique().sort("township", "village")
        villages: dict[str, list[str]] = {}
        for t, v in distinct.iter_rows():
            villages.setdefault(t, []).append(v)
        return cls(townships=sorted(villages), villages=villages, county_names=county_names)

    def parse(self, address: str | None) -> tuple[str | None, str | None, int | None]:
        """(township, village, group number) as far as the address says; (None, None, None) if nothing."""
        if not address:
            return None, None, None
        s = _SPACES.sub("", unicodedata.normalize("NFKC", str(address)))
        return self.parse_clean(_ADMIN_PREFIX.sub("", s, count=1))

    def parse_clean(self, s: str | None) -> tuple[str | None, str | None, int | None]:
        """parse, for text already NFKC-normalised, without spaces and without the province / city
        prefix (clean_address_expr does that for a whole column)."""
        if not s:
            return None, None, None
        county = _COUNTY_PREFIX.match(s)
        if county and self._match(s, self._township_full)[0] is None:
            if self.county_names and county.group(1) not in self.county_names:
                return None, None, None  # another county's address
            s = s[county.end() :]
        township, rest = self._match(s, self._township_full)
        if township is None:
            township, rest = self._match(s, self._township_short)
        if township is None:
            township, rest = self._after_short_prefix(s)
        if township is None:
            # No township: a full village name that is unique county-wide still places the address.
            place, rest = self._match(s, self._village_unique)
            if place is not None:
                t, v = place
                return t, v, group_number(rest)
            return None, None, None
        village, rest2 = self._match(rest, self._village_alias.get(township, []))
        if village is None:  # 丁香村六组: the township's short form was the start of a village name
            village, rest2 = self._match(s, self._village_alias.get(township, []))
        if village is None:
            return township, None, None
        return township, village, group_number(rest2)

    def parse_many(self, values: pl.Series) -> pl.DataFrame:
        """parse_clean for many cleaned addresses: a frame (township, village, group_no), one row per
        value in order. The common shapes are read in polars (see _parse_common), exactly as
        parse_clean reads them; every other address goes through parse_clean."""
        schema = {"township": pl.String, "village": pl.String, "group_no": pl.Int32}
        done = self._parse_common(values)
        index = pl.DataFrame({"_i": pl.arange(0, len(values), eager=True, dtype=pl.UInt32)})
        if done is None:
            done = pl.DataFrame(schema={"_i": pl.UInt32, **schema})
        rest = index.join(done, on="_i", how="anti").get_column("_i").to_list()
        texts = values.to_list()
        parsed = [self.parse_clean(texts[i]) for i in rest]
        slow = pl.DataFrame(
            {
                "_i": pl.Series(rest, dtype=pl.UInt32),
                "township": [p[0] for p in parsed],
                "village": [p[1] for p in parsed],
                "group_no": [p[2] for p in parsed],
            },
            schema={"_i": pl.UInt32, **schema},
        )
        # polars stubs: cast() takes a Mapping keyed by str | Selector | DataType, and the invariant key
        # rejects any dict[str, ...] although that is what it reads at runtime (pola-rs/polars#14468)
        return pl.concat([done.select("_i", *schema).cast(schema), slow]).sort("_i").drop("_i")  # type: ignore[arg-type]

    def _parse_common(self, values: pl.Series) -> pl.DataFrame | None:
        """The shapes parse_clean reads in one pass, with its rules in its order, as regexes over the
        whole column: after an optional county prefix, a township (full name, else short form) that one
        of its villages follows; or no township anywhere parse_clean would look, and then a village
        name unique county-wide, or nothing. Township and village are taken as parse_clean takes them
        (longest first, the same alternations), so where this answers it answers the same; the rest
        (a village not right after the township, 丁香村 read after 丁香, …) is left to parse_clean."""
        full = [t for t, _ in self._township_full if not _SPACES.search(t)]
        short = [(a, t) for a, t in self._township_short if not _SPACES.search(a)]
        if not full:
            return None
        combos: dict[str, tuple[str, str]] = {}
        short_combos: dict[str, tuple[str, str]] = {}
        for t in full:
            for alias, village in self._village_alias.get(t, []):
                combos.setdefault(t + alias, (t, village))
        short_town: dict[str, str] = {}
        for a, t in short:
            short_town.setdefault(a, t)
            for alias, village in self._village_alias.get(t, []):
                short_combos.setdefault(a + alias, (t, village))
        unique = {v: tv for v, tv in self._village_unique if not _SPACES.search(v)}

        def alt(names: list[str] | dict[str, Any]) -> str:
            return "^(" + "|".join(_rust_escape(n) for n in names) + ")" if names else "^($.)"

        text, s2 = pl.col("s"), pl.col("_s2")
        longest = len(self._township_full[0][0])
        try:
            frame = pl.DataFrame({"s": values.cast(pl.String)}).with_row_index("_i")
            frame = frame.filter(text.is_not_null() & (text != "")).with_columns(
                pl.when(text.str.extract(alt(full), 1).is_null())
                .then(text.str.extract(_COUNTY_PREFIX.pattern, 1))
                .alias("_c")
            )
            if self.county_names:  # another county's address: parse_clean says so
                frame = frame.filter(pl.col("_c").is_null() | pl.col("_c").is_in(list(self.county_names)))
            frame = frame.with_columns(
                pl.when(pl.col("_c").is_not_null())
                .then(text.str.slice(pl.col("_c").str.len_chars()))
                .otherwise(text)
                .alias("_s2")
            )
            frame = frame.with_columns(
                s2.str.extract(alt(full), 1).alias("_full"),
                s2.str.extract(alt([a for a, _ in short]), 1).alias("_short"),
                s2.str.slice(1, _PREFIX_CHARS + longest - 1)
                .str.contains("|".join(_rust_escape(t) for t in full))
                .alias("_near"),
                s2.str.extract(alt(combos), 1).alias("_combo"),
                s2.str.extract(alt(short_combos), 1).alias("_short_combo"),
                s2.str.extract(alt(unique), 1).alias("_unique"),
            )
        except pl.exceptions.ComputeError:  # a province's names too many for one regex: one by one
            return None
        shape = (
            pl.when(pl.col("_full").is_not_null())
            .then(pl.when(pl.col("_combo").is_not_null()).then(pl.lit("full")))
            .when(pl.col("_short").is_not_null())
            .then(pl.when(pl.col("_short_combo").is_not_null()).then(pl.lit("short")))
            .when(pl.col("_near"))
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(pl.lit("no_township"))
        )
        frame = frame.with_columns(shape.alias("_shape")).drop_nulls("_shape")
        table = pl.DataFrame(
            [(k, "full", *tv) for k, tv in combos.items()]
            + [(k, "short", *tv) for k, tv in short_combos.items()]
            + [(k, "no_township", *tv) for k, tv in unique.items()],
            schema={"_key": pl.String, "_shape": pl.String, "_t": pl.String, "_v": pl.String},
            orient="row",
        )
        key = (
            pl.when(pl.col("_shape") == "full")
            .then("_combo")
            .when(pl.col("_shape") == "short")
            .then("_short_combo")
            .otherwise("_unique")
        )
        frame = frame.with_columns(key.alias("_key")).join(table, on=["_key", "_shape"], how="left")
        # a full name taken, but the combination's township is another one: not this shape after all
        frame = frame.filter(
            ((pl.col("_shape") == "full") & (pl.col("_t") == pl.col("_full")))
            | (
                (pl.col("_shape") == "short")
                & (pl.col("_t") == pl.col("_short").replace_strict(short_town, default=None))
            )
            | (pl.col("_shape") == "no_township")
        ).with_columns(
            s2.str.slice(pl.col("_key").str.len_chars()).str.extract(_GROUP.pattern, 1).alias("_g")
        )
        tokens = [g for g in frame.get_column("_g").unique().to_list() if g is not None]
        numbers = {g: chinese_to_int(g) for g in tokens}
        group = pl.col("_g").replace_strict(numbers, default=None, return_dtype=pl.Int32)
        return frame.select(
            "_i",
            pl.col("_t").alias("township"),
            pl.col("_v").alias("village"),
            pl.when(pl.col("_v").is_not_null()).then(group).alias("group_no"),
        )

    def _after_short_prefix(self, s: str) -> tuple[str | None, str]:
        """A township's full name after a short county name (石台七都镇…, 石台县 written without 县):
        only a full name (with 镇/乡), within the first characters, after text that names no place."""
        if not self._township_full:
            return None, s
        longest = len(self._township_full[0][0])
        pattern = self._pattern(self._township_full)
        if pattern.search(s, 1, _PREFIX_CHARS + longest) is None:  # most addresses: no name there at all
            return None, s
        for name, canonical in self._township_full:
            at = s.find(name, 1, _PREFIX_CHARS + len(name))
            if at > 0 and not re.search(r"[省市县区镇乡村组]", s[:at]):
                return canonical, s[at + len(name) :]
        return None, s

    def _pattern(self, aliases: Sequence[tuple[str, Any]]) -> re.Pattern[str]:
        compiled = self._compiled.get(id(aliases))
        if compiled is None:
            compiled = self._compiled[id(aliases)] = _alternation(aliases)
        return compiled[0]

    def _match(self, s: str, aliases: Sequence[tuple[str, Any]]) -> tuple[Any, str]:
        """The first alias (longest first) the text starts with, by one compiled alternation per list
        (a county's few hundred place names tried in one pass per address)."""
        if not aliases:
            return None, s
        pattern = self._pattern(aliases)
        canonical = self._compiled[id(aliases)][1]
        m = pattern.match(s)
        if m is None:
            return None, s
        return canonical[m.group(0)], s[m.end() :]


_HOUSE_NUMBER_TAIL = r"([组队])[0-9]+号.*$"
"""A house number after the group and what follows it: parsing stops at the group, so addresses that
differ only there (…5组40号, …5组41号) are parsed once."""


def clean_address_expr(column: str) -> pl.Expr:
    """What parse does to an address before reading it (NFKC, no spaces, no province / city prefix),
    plus the house number dropped, for a whole column: the same regexes (polars' engine matches
    leftmost-first, as Python's does)."""
    return (
        pl.col(column)
        .cast(pl.String)
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", "")
        .str.replace(_ADMIN_PREFIX.pattern, "")
        .str.replace(_HOUSE_NUMBER_TAIL, "${1}")
    )


def add_place_columns(
    frame: pl.DataFrame, gazetteer: Gazetteer, column: str = "address", prefix: str = "addr"
) -> pl.DataFrame:
    """Add `{prefix}_township`, `{prefix}_village`, `{prefix}_group_no`, parsing each distinct cleaned
    address once (clean_address_expr)."""
    key = "_place_key"
    keyed = frame.with_columns(clean_address_expr(column).alias(key))
    values = keyed.get_column(key).unique()
    parsed = gazetteer.parse_many(values)
    keys = pl.concat(
        [values.to_frame(key), parsed.select(pl.all().name.prefix(f"{prefix}_"))], how="horizontal"
    )
    return keyed.join(keys, on=key, how="left", nulls_equal=True).drop(key)


def add_group_no(frame: pl.DataFrame, column: str = "group", out: str = "group_no") -> pl.DataFrame:
    """Add the group number of a registry group name column (第三村民小组 → 3), per distinct value."""
    values = [v for v in frame.get_column(column).unique().to_list() if v is not None]
    mapping = pl.DataFrame(
        {column: values, out: [registry_group_number(v) for v in values]},
        schema={column: frame.schema[column], out: pl.Int32},
    )
    return frame.join(mapping, on=column, how="left")
