"""How well two names agree, as a level with a Chinese phrase for the evidence text."""

from __future__ import annotations

import polars as pl
from rapidfuzz.distance import Levenshtein

NAME_LEVELS = {
    "same": "姓名一致",
    "homophone": "姓名同音",
    "similar": "姓名相近",
    "absent": "未提供姓名",
    "different": "姓名不符",
}


def name_agreement(fold_a: str, pinyin_a: str, fold_b: str, pinyin_b: str) -> str:
    """same / homophone / similar (one character differs) / absent / different."""
    if not fold_a:
        return "absent"
    if fold_a == fold_b:
        return "same"
    if pinyin_a and pinyin_a == pinyin_b:
        return "homophone"
    if len(fold_a) == len(fold_b) and len(fold_a) >= 2 and Levenshtein.distance(fold_a, fold_b) == 1:
        return "similar"
    return "different"


def name_agreement_expr() -> pl.Expr:
    """Vectorised form over columns name_fold/name_pinyin (row) and reg_fold/reg_pinyin (registry)."""
    return pl.struct("name_fold", "name_pinyin", "reg_fold", "reg_pinyin").map_elements(
        lambda s: name_agreement(
            s["name_fold"] or "", s["name_pinyin"] or "", s["reg_fold"] or "", s["reg_pinyin"] or ""
        ),
        return_dtype=pl.String,
    )
