"""How well two names agree, as a level with a Chinese phrase for the evidence text.

Levels, most certain first: same (equal after folding: width, spaces, separator dots, remarks in
brackets, traditional → simplified), homophone (same toneless pinyin, surname read as a surname),
similar (same length, one character differs), dropped (one character left out, the surname kept:
王卫 for 王卫东, also by sound: 王健 for 王建华), masked (the surname alone, or with 某: 姚某), absent
(the row gives no name), different. Beside an ID that is in the registry every level but `different`
is a compatible name (see matcher); alone, only same and homophone count. Vectorised: equality tests
are polars expressions; edit distances run once per distinct pair of names in rapidfuzz.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from pipelines.normalize.names import name_pinyin

NAME_LEVELS = {
    "same": "姓名一致",
    "homophone": "姓名同音",
    "similar": "姓名相近（一字之差）",
    "dropped": "姓名少一字",
    "masked": "姓名仅写姓氏",
    "relation": "姓名写作户内亲属关系",
    "absent": "未提供姓名",
    "different": "姓名不符",
}


def name_agreement(fold_a: str, pinyin_a: str, fold_b: str, pinyin_b: str) -> str:
    """same / homophone / similar (one character differs) / absent / different (scalar form)."""
    if not fold_a:
        return "absent"
    if fold_a == fold_b:
        return "same"
    if pinyin_a and pinyin_a == pinyin_b:
        return "homophone"
    if len(fold_a) == len(fold_b) and len(fold_a) >= 2 and Levenshtein.distance(fold_a, fold_b) == 1:
        return "similar"
    return "different"


def add_name_level(
    frame: pl.DataFrame,
    a: tuple[str, str] = ("name_fold", "name_pinyin"),
    b: tuple[str, str] = ("reg_fold", "reg_pinyin"),
    out: str = "level",
) -> pl.DataFrame:
    """Add the agreement level of two folded names with their pinyin keys (columns a and b)."""
    fa, pa = pl.col(a[0]).fill_null(""), pl.col(a[1]).fill_null("")
    fb, pb = pl.col(b[0]).fill_null(""), pl.col(b[1]).fill_null("")
    la, lb = fa.str.len_chars(), fb.str.len_chars()
    # the surname alone, or with 某 standing for the given name (a masked list)
    masked = (fa.str.head(1) == fb.str.head(1)) & (lb >= 2) & ((la == 1) | fa.str.contains(r"^.某{1,2}$"))
    frame = frame.with_columns(
        pl.when(fa == "")
        .then(pl.lit("absent"))
        .when(fa == fb)
        .then(pl.lit("same"))
        .when((pa != "") & (pa == pb))
        .then(pl.lit("homophone"))
        .when(masked)
        .then(pl.lit("masked"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias(out)
    )
    open_pairs = (
        frame.filter(
            pl.col(out).is_null()
            & (la >= 2)
            & ((la == lb) | ((la == lb - 1) & (fa.str.head(1) == fb.str.head(1))))
        )
        .select(fa.alias("_fa"), fb.alias("_fb"), pa.alias("_pa"), pb.alias("_pb"))
        .unique()
    )
    if open_pairs.height:
        frame = _edit_levels(frame, open_pairs, fa, fb, out)
    return frame.with_columns(pl.col(out).fill_null("different"))


def _edit_levels(
    frame: pl.DataFrame, pairs: pl.DataFrame, fa: pl.Expr, fb: pl.Expr, out: str
) -> pl.DataFrame:
    """similar (same length, one character differs) or dropped (one character, or one syllable by
    sound, left out of the longer name), once per distinct pair."""
    a, b = pairs.get_column("_fa").to_list(), pairs.get_column("_fb").to_list()
    chars = process.cpdist(a, b, scorer=Levenshtein.distance, dtype=np.int32, workers=1)
    sounds = process.cpdist(
        [p.split() for p in pairs.get_column("_pa").to_list()],
        [p.split() for p in pairs.get_column("_pb").to_list()],
        scorer=Levenshtein.distance,
        dtype=np.int32,
        workers=1,
    )
    same_len = pairs.get_column("_fa").str.len_chars() == pairs.get_column("_fb").str.len_chars()
    level = (
        pl.when(same_len & pl.Series(chars == 1))
        .then(pl.lit("similar"))
        .when(~same_len & (pl.Series(chars == 1) | pl.Series(sounds == 1)))
        .then(pl.lit("dropped"))
    )
    found = pairs.select("_fa", "_fb", level.alias("_lvl")).drop_nulls("_lvl")
    return (
        frame.with_columns(fa.alias("_fa"), fb.alias("_fb"))
        .join(found, on=["_fa", "_fb"], how="left")
        .with_columns(pl.coalesce(out, "_lvl").alias(out))
        .drop("_fa", "_fb", "_lvl")
    )


def name_level_text() -> pl.Expr:
    """The Chinese phrase for column `level`."""
    return pl.col("level").replace_strict(NAME_LEVELS, return_dtype=pl.String)


RELATION_NAME = r"^(.{1,4}?)之(儿子|女儿|儿媳|孙子|孙女|子|女|妻|夫|父|母|孙|媳)$"
"""A row named by its relation to a household member, as departments write a child or a spouse:
江胜之子, 汪建华之妻 (folded name: the anchor member's name, then the relation word)."""

RELATION_OF_HEAD = {
    "子": "之子", "儿子": "之子", "女": "之女", "女儿": "之女", "妻": "配偶", "夫": "配偶",
    "父": "之父", "母": "之母", "孙": "孙子", "孙子": "孙子", "孙女": "孙女", "媳": "儿媳", "儿媳": "儿媳",
}  # fmt: skip
"""The registry's 与户主关系 of the person a relation name means, when the anchor is the head."""


def with_relation_anchor(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `_anchor` (the member a relation name is written by: 江胜 in 江胜之子), `_word` (子) and
    `_anchor_pinyin` (read once per distinct anchor); null for ordinary names."""
    frame = frame.with_columns(
        pl.col("name_fold").str.extract(RELATION_NAME, 1).alias("_anchor"),
        pl.col("name_fold").str.extract(RELATION_NAME, 2).alias("_word"),
    )
    anchors = frame.select(pl.col("_anchor").drop_nulls().unique()).with_columns(
        pl.col("_anchor").map_elements(name_pinyin, return_dtype=pl.String).alias("_anchor_pinyin")
    )
    return frame.join(anchors, on="_anchor", how="left")


def add_relation_level(
    frame: pl.DataFrame, members: pl.DataFrame, out: str = "level", strict: bool = False
) -> pl.DataFrame:
    """Set `out` to "relation" where the row's folded name is a relation name (江胜之子) and the
    candidate's household (household_id) has another member called the anchor (same or homophone).
    strict: the anchor must be the head and the candidate's relation must be the one the word names.

    members: household_id, person_id, name_fold, name_pinyin, relation (the registry)."""
    if not frame.get_column("name_fold").str.contains(RELATION_NAME).any():
        return frame
    frame = with_relation_anchor(frame)
    m = members.select(
        "household_id",
        pl.col("person_id").alias("_anchor_id"),
        pl.col("name_fold").alias("_m_fold"),
        pl.col("name_pinyin").alias("_m_pinyin"),
        (pl.col("relation") == "户主").alias("_m_head"),
    )
    keyed = frame.filter(pl.col("_anchor").is_not_null()).select(
        "row_key", "person_id", "household_id", "_anchor", "_anchor_pinyin", "_word"
    )
    hits = keyed.join(m, on="household_id").filter(
        (pl.col("_anchor_id") != pl.col("person_id"))
        & ((pl.col("_m_fold") == pl.col("_anchor")) | (pl.col("_m_pinyin") == pl.col("_anchor_pinyin")))
    )
    if strict:
        rel = members.select("person_id", pl.col("relation").alias("_cand_rel"))
        hits = hits.join(rel, on="person_id", how="left").filter(
            pl.col("_m_head")
            & (
                pl.col("_word").replace_strict(RELATION_OF_HEAD, default=None, return_dtype=pl.String)
                == pl.col("_cand_rel")
            )
        )
    found = hits.select("row_key", "person_id", pl.lit(True).alias("_rel")).unique()
    frame = frame.join(found, on=["row_key", "person_id"], how="left")
    relation = pl.col("_rel").fill_null(False) & (pl.col(out).is_null() | (pl.col(out) == "different"))
    return frame.with_columns(
        pl.when(relation).then(pl.lit("relation")).otherwise(pl.col(out)).alias(out)
    ).drop("_anchor", "_word", "_anchor_pinyin", "_rel")
