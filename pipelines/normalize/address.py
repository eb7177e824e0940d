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
_PREFIX_CHARS = 4
"""How long an unrecognised prefix (a county's short name) before a township's full name may be."""
_TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


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
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(address)))
        s = _ADMIN_PREFIX.sub("", s, count=1)
        county = _COUNTY_PREFIX.match(s)
        if county and not any(s.startswith(t) for t, _ in self._township_full):
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

    def _after_short_prefix(self, s: str) -> tuple[str | None, str]:
        """A township's full name after a short county name (石台七都镇…, 石台县 written without 县):
        only a full name (with 镇/乡), within the first characters, after text that names no place."""
        for name, canonical in self._township_full:
            at = s.find(name, 1, _PREFIX_CHARS + len(name))
            if at > 0 and not re.search(r"[省市县区镇乡村组]", s[:at]):
                return canonical, s[at + len(name) :]
        return None, s

    def _match(self, s: str, aliases: Sequence[tuple[str, Any]]) -> tuple[Any, str]:
        """The first alias (longest first) the text starts with, by one compiled alternation per list
        (a county's few hundred place names tried in one pass per address)."""
        if not aliases:
            return None, s
        compiled = self._compiled.get(id(aliases))
        if compiled is None:
            compiled = self._compiled[id(aliases)] = _alternation(aliases)
        pattern, canonical = compiled
        m = pattern.match(s)
        if m is None:
            return None, s
        return canonical[m.group(0)], s[m.end() :]


_HOUSE_NUMBER_TAIL = r"[0-9]+号.*$"
"""A house number and what follows it: parse never reads past the group, so addresses that differ
only there (…5组40号, …5组41号) are parsed once."""


def add_place_columns(
    frame: pl.DataFrame, gazetteer: Gazetteer, column: str = "address", prefix: str = "addr"
) -> pl.DataFrame:
    """Add `{prefix}_township`, `{prefix}_village`, `{prefix}_group_no`, parsing each distinct address
    once (after the normalising parse does anyway — NFKC, no spaces, no house number — done in polars)."""
    key = "_place_key"
    keyed = frame.with_columns(
        pl.col(column)
        .cast(pl.String)
        .str.normalize("NFKC")
        .str.replace_all(r"\s+", "")
        .str.replace(_HOUSE_NUMBER_TAIL, "")
        .alias(key)
    )
    values = keyed.get_column(key).unique().to_list()
    parsed = [gazetteer.parse(v) for v in values]
    keys = pl.DataFrame(
        {
            key: values,
            f"{prefix}_township": [p[0] for p in parsed],
            f"{prefix}_village": [p[1] for p in parsed],
            f"{prefix}_group_no": [p[2] for p in parsed],
        },
        schema={
            key: pl.String,
            f"{prefix}_township": pl.String,
            f"{prefix}_village": pl.String,
            f"{prefix}_group_no": pl.Int32,
        },
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
