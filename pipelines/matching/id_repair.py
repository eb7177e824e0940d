"""Tier 2: an ID number that fails its check, one typo away from a registry ID.

MOD 11-2 detects every single substitution and every adjacent transposition, so a failed check
says "typo", and it also says which repairs are possible: substituting digit i fixes the check for
exactly one value (x ≡ dᵢ + (T − S)·wᵢ⁻¹ mod 11, when that is a digit), so each row has at most 17
substitutions + 1 check-character fix + 17 transpositions to look up — vectorised, no brute force.
A well-formed number that passes its check but is not in the registry is most likely somebody
else, not a typo: it never enters this tier.
"""

from __future__ import annotations

import polars as pl

from pipelines.normalize.idcard import CHECK_CHARS, WEIGHTS

_INV = {w: pow(w, -1, 11) for w in set(WEIGHTS)}
_CHECK_VALUE = {c: k for k, c in enumerate(CHECK_CHARS)}


def _digit(s: pl.Expr, i: int) -> pl.Expr:
    return s.str.slice(i, 1).cast(pl.Int32, strict=False)


def repair_variants(rows: pl.DataFrame, id_col: str = "id_norm") -> pl.DataFrame:
    """row_key → every registry-lookup candidate: columns row_key, cand_id, edit ('sub'/'swap'/'check'), pos.

    `pos` is 1-based (the digit's place in the 18-character number; for a swap, the first of the two).
    """
    s = pl.col(id_col)
    total = pl.sum_horizontal([_digit(s, i) * w for i, w in enumerate(WEIGHTS)]) % 11
    target = s.str.slice(17, 1).replace_strict(_CHECK_VALUE, default=None, return_dtype=pl.Int32)
    delta = (target - total) % 11
    variants: list[pl.Expr] = []
    for i, w in enumerate(WEIGHTS):
        d = _digit(s, i)
        x = (d + delta * _INV[w]) % 11
        ok = (delta != 0) & (x <= 9)
        variants.append(
            pl.when(ok)
            .then(pl.struct(
                (s.str.slice(0, i) + x.cast(pl.String) + s.str.slice(i + 1)).alias("cand_id"),
                pl.lit("sub").alias("edit"),
                pl.lit(i + 1).alias("pos"),
            ))
        )  # fmt: skip
    fixed = s.str.slice(0, 17) + total.replace_strict(
        list(range(11)), list(CHECK_CHARS), default=None, return_dtype=pl.String
    )
    variants.append(
        pl.when(delta != 0).then(
            pl.struct(fixed.alias("cand_id"), pl.lit("check").alias("edit"), pl.lit(18).alias("pos"))
        )
    )
    for i in range(17):
        a, b = s.str.slice(i, 1), s.str.slice(i + 1, 1)
        variants.append(
            pl.when(a != b).then(
                pl.struct(
                    (s.str.slice(0, i) + b + a + s.str.slice(i + 2)).alias("cand_id"),
                    pl.lit("swap").alias("edit"),
                    pl.lit(i + 1).alias("pos"),
                )
            )
        )
    return (
        rows.select("row_key", pl.concat_list(variants).alias("_v"))
        .explode("_v")
        .drop_nulls("_v")
        .unnest("_v")
        .drop_nulls("cand_id")
    )


def edit_text() -> pl.Expr:
    """身份证号差一位（第14位） / 身份证号相邻两位颠倒（第9、10位） / 身份证号校验位错误."""
    pos = pl.col("pos").cast(pl.String)
    return (
        pl.when(pl.col("edit") == "sub")
        .then("身份证号差一位（第" + pos + "位）")
        .when(pl.col("edit") == "swap")
        .then("身份证号相邻两位颠倒（第" + pos + "、" + (pl.col("pos") + 1).cast(pl.String) + "位）")
        .otherwise(pl.lit("身份证号仅校验位（第18位）不同"))
    )
