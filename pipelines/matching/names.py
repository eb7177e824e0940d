"""How well two names agree, as a level with a Chinese phrase for the evidence text.

Levels, most certain first: same (equal after folding: width, spaces, separator dots, traditional →
simplified), homophone (same toneless pinyin, surname read as a surname), similar (same length, one
character differs), absent (the row gives no name), different. Vectorised: equality tests are
polars expressions; the edit distance runs once per distinct pair of names in rapidfuzz.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

NAME_LEVELS = {
    "same": "姓名一致",
    "homophone": "姓名同音",
    "similar": "姓名相近（一字之差）",
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
    frame = frame.with_columns(
        pl.when(fa == "")
        .then(pl.lit("absent"))
        .when(fa == fb)
        .then(pl.lit("same"))
        .when((pa != "") & (pa == pb))
        .then(pl.lit("homophone"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias(out)
    )
    open_pairs = (
        frame.filter(
            pl.col(out).is_null() & (fa.str.len_chars() == fb.str.len_chars()) & (fa.str.len_chars() >= 2)
        )
        .select(fa.alias("_fa"), fb.alias("_fb"))
        .unique()
    )
    if open_pairs.height:
        dist = process.cpdist(
            open_pairs.get_column("_fa").to_list(),
            open_pairs.get_column("_fb").to_list(),
            scorer=Levenshtein.distance,
            dtype=np.int32,
            workers=1,
        )
        similar = open_pairs.filter(pl.Series(dist == 1)).with_columns(pl.lit("similar").alias("_sim"))
        frame = (
            frame.with_columns(fa.alias("_fa"), fb.alias("_fb"))
            .join(similar, on=["_fa", "_fb"], how="left")
            .with_columns(pl.coalesce(out, "_sim").alias(out))
            .drop("_fa", "_fb", "_sim")
        )
    return frame.with_columns(pl.col(out).fill_null("different"))


def name_level_text() -> pl.Expr:
    """The Chinese phrase for column `level`."""
    return pl.col("level").replace_strict(NAME_LEVELS, return_dtype=pl.String)
