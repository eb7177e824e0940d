"""Person names: folding that makes typed variants compare equal, and pinyin keys for homophones.

Folding: NFKC (full-width), remarks in brackets dropped (张三（已故）, 李四(户主)), no spaces, separator
dots, digits or other marks (郭•紫涵, 王·阳 for a Han name, 马正荣1, 叶建国*), traditional/variant →
simplified. Dots go entirely, not to one standard dot: departments write them in Han names, and the
registry writes a minority name with or without one.
Work is done once per distinct name (names repeat a lot), then joined back.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Names are read one character at a time (name_pinyin), so pypinyin's phrase dictionary is never
# consulted; not loading it saves 0.13 s in every process (a documented pypinyin switch). Set before
# pypinyin is first imported; an explicit setting in the environment wins.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

import polars as pl
from pypinyin import Style, lazy_pinyin

MIDDLE_DOT = "\u00b7"
_DOTS = re.compile(r"[\u00b7\u2022\u2027\u30fb\uff0e\uff65\u0387\u22c5\u2219.．・•‧]")
_SPACES = re.compile(r"\s+")
_REMARK = re.compile(r"[（(【\[〔][^）)】\]〕]*[）)】\]〕]")
_NOT_LETTER = re.compile(r"[\W\d_]")

# Surname readings pypinyin gets wrong in names (STACK.md).
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "仇": "qiu",
    "区": "ou",
    "解": "xie",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "缪": "miao",
    "尉": "yu",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "秘": "bi",
    "种": "chong",
}


@lru_cache(maxsize=200_000)
def fold_name(name: str | None) -> str:
    """The comparable form of a name; '' for a blank one."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", str(name))
    s = _REMARK.sub("", s) or s
    s = _NOT_LETTER.sub("", _DOTS.sub("", s)) or _SPACES.sub("", s)
    return "".join(_simplified(c) for c in s)


@lru_cache(maxsize=1)
def _to_simplified() -> dict[str, str]:
    """zhconv's zh-cn table, single characters only: what zhconv.convert(char, "zh-cn") looks up.

    Read from zhconv's own data file, located without importing zhconv: importing it imports
    pkg_resources (0.08 s in every process)."""
    spec = importlib.util.find_spec("zhconv")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("zhconv (a dependency) is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    table = json.loads((folder / "zhcdict.json").read_bytes())
    merged = {**table["zh2Hans"], **table["zh2CN"]}
    return {k: v for k, v in merged.items() if len(k) == 1}


def _simplified(char: str) -> str:
    """One character in simplified form (a name is folded character by character, not as a phrase)."""
    return _to_simplified().get(char, char)


@lru_cache(maxsize=50_000)
def _char_pinyin(char: str) -> str:
    return "".join(lazy_pinyin(char, style=Style.NORMAL))


@lru_cache(maxsize=200_000)
def name_pinyin(name: str | None) -> str:
    """Toneless pinyin of a folded name, surname read as a surname: 曾伟 → zeng wei.

    Read character by character (each character's common reading, cached): a name is not a phrase,
    the same character then always sounds the same, and a million names cost a few thousand
    dictionary look-ups instead of a million phrase segmentations."""
    folded = fold_name(name)
    if not folded:
        return ""
    head, rest = folded[0], folded[1:]
    first = SURNAME_READINGS.get(head) or _char_pinyin(head)
    return " ".join([first, *(_char_pinyin(c) for c in rest)])


def name_columns(names: pl.Expr | str, prefix: str = "name") -> tuple[pl.Expr, pl.Expr]:
    """`{prefix}_fold` and `{prefix}_pinyin` as expressions (evaluated per distinct value)."""
    col = pl.col(names) if isinstance(names, str) else names
    fold = col.map_elements(fold_name, return_dtype=pl.String, skip_nulls=False).alias(f"{prefix}_fold")
    pinyin = col.map_elements(name_pinyin, return_dtype=pl.String, skip_nulls=False).alias(f"{prefix}_pinyin")
    return fold, pinyin


_PLAIN_NAME = r"^[\u3400-\u4dbf\u4e00-\u9fff]+$"
"""Han characters only: folding such a name is only the traditional → simplified table (NFKC, the
remark, dot and mark rules change nothing in it), so it is done in polars; others go through
fold_name."""


@lru_cache(maxsize=1)
def _simplified_pairs() -> tuple[list[str], list[str]]:
    table = _to_simplified()
    return list(table), list(table.values())


def name_keys(names: pl.Series) -> pl.DataFrame:
    """fold and pinyin of each value, exactly as fold_name and name_pinyin give them, vectorised: at a
    million distinct names the per-name Python calls took 11 s; here Python sees each distinct
    character once (for its reading) and only the names that are not plain Han characters."""
    frame = pl.DataFrame({"v": names.cast(pl.String)}).with_row_index("_i")
    plain = pl.col("v").str.contains(_PLAIN_NAME).fill_null(False)
    src, dst = _simplified_pairs()
    frame = frame.with_columns(pl.when(plain).then(pl.col("v").str.replace_many(src, dst)).alias("fold"))
    odd = frame.filter(pl.col("fold").is_null())
    if odd.height:
        folded = pl.Series([fold_name(v) for v in odd.get_column("v").to_list()], dtype=pl.String)
        frame = frame.update(odd.select("_i", folded.alias("fold")), on="_i")
    chars = (
        frame.filter(pl.col("fold") != "")
        .select("_i", pl.col("fold").str.split("").alias("c"))
        .explode("c")
        .with_columns(pl.int_range(pl.len()).over("_i").alias("_k"))
    )
    distinct = chars.get_column("c").unique().to_list()
    readings = pl.DataFrame(
        {
            "c": distinct,
            "py": [_char_pinyin(c) for c in distinct],
            "sur": [SURNAME_READINGS.get(c) or _char_pinyin(c) for c in distinct],
        },
        schema={"c": pl.String, "py": pl.String, "sur": pl.String},
    )
    spoken = (
        chars.join(readings, on="c", how="left")
        .select("_i", "_k", pl.when(pl.col("_k") == 0).then("sur").otherwise("py").alias("py"))
        .sort("_i", "_k")
        .group_by("_i", maintain_order=True)
        .agg(pl.col("py").str.join(" ").alias("pinyin"))
    )
    return frame.join(spoken, on="_i", how="left").sort("_i").select("fold", pl.col("pinyin").fill_null(""))


def add_name_keys(
    frame: pl.DataFrame, column: str = "name", prefix: str = "name", known: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add fold and pinyin keys, computing each distinct name once.

    known: keys already computed by this module for some names (columns name, name_fold, name_pinyin —
    e.g. the registry's persons); names found there are not folded again (pypinyin is the slow part)."""
    fold_col, pinyin_col = f"{prefix}_fold", f"{prefix}_pinyin"
    distinct = frame.select(pl.col(column).unique())
    if known is not None and {"name", "name_fold", "name_pinyin"} <= set(known.columns):
        found = (
            known.select(pl.col("name").cast(frame.schema[column]).alias(column), "name_fold", "name_pinyin")
            .join(distinct, on=column, how="semi")
            .filter(pl.col("name_fold").is_not_null() & pl.col("name_pinyin").is_not_null())
            .unique(column, keep="first")
            .rename({"name_fold": fold_col, "name_pinyin": pinyin_col})
        )
        distinct = distinct.join(found, on=column, how="anti", nulls_equal=True)
    else:
        found = None
    values = distinct.get_column(column)
    computed = name_keys(values.cast(pl.String))
    keys = pl.DataFrame(
        {column: values, fold_col: computed.get_column("fold"), pinyin_col: computed.get_column("pinyin")},
        schema={column: frame.schema[column], fold_col: pl.String, pinyin_col: pl.String},
    )
    if found is not None:
        keys = pl.concat([keys, found.cast(keys.schema)])
    return frame.join(keys, on=column, how="left", nulls_equal=True)
