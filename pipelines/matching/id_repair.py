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


def repair_variants(rows: pl.DataFrame, id_col: str = "id_norm") -> pl.DataFrame:
    """row_key → every registry-lookup candidate: columns row_key, cand_id, edit ('sub'/'swap'/'check'), pos.

    `pos` is 1-based (the digit's place in the 18-character number; for a swap, the first of the two).
    The digits, the weighted sum and the check-character gap are materialised once, then the 35
    candidate expressions read those columns (nesting them made polars redo the sum per candidate).
    """
    s = pl.col("_s")
    digits = rows.select(
        "row_key",
        pl.col(id_col).alias("_s"),
        *[pl.col(id_col).str.slice(i, 1).cast(pl.Int32, strict=False).alias(f"_d{i}") for i in range(17)],
        pl.col(id_col)
        .str.slice(17, 1)
        .replace_strict(_CHECK_VALUE, default=None, return_dtype=pl.Int32)
        .alias("_target"),
    )
    digits = digits.with_columns(
        (pl.sum_horizontal([pl.col(f"_d{i}") * w for i, w in enumerate(WEIGHTS)]) % 11).alias("_total")
    ).with_columns(((pl.col("_target") - pl.col("_total")) % 11).alias("_delta"))
    delta, total = pl.col("_delta"), pl.col("_total")
    variants: list[pl.Expr] = []
    for i, w in enumerate(WEIGHTS):
        x = (pl.col(f"_d{i}") + delta * _INV[w]) % 11
        ok = (delta != 0) & (x <= 9)
        cand = s.str.slice(0, i) + x.cast(pl.String) + s.str.slice(i + 1)
        variants.append(pl.when(ok).then(cand).alias(f"sub:{i + 1}"))
    fixed = s.str.slice(0, 17) + total.replace_strict(
        list(range(11)), list(CHECK_CHARS), default=None, return_dtype=pl.String
    )
    variants.append(pl.when(delta != 0).then(fixed).alias("check:18"))
    for i in range(17):
        a, b = s.str.slice(i, 1), s.str.slice(i + 1, 1)
        variants.append(
            pl.when(a != b).then(s.str.slice(0, i) + b + a + s.str.slice(i + 2)).alias(f"swap:{i + 1}")
        )
    # Long form by unpivoting plain string columns (a list of structs exploded was 20× slower).
    return (
        digits.select("row_key", *variants)
        .unpivot(index="row_key", variable_name="_edit", value_name="cand_id")
        .drop_nulls("cand_id")
        .select(
            "row_key",
            "cand_id",
            pl.col("_edit").str.split_exact(":", 1).struct.rename_fields(["edit", "pos"]).alias("_e"),
        )
        .unnest("_e")
        .with_columns(pl.col("pos").cast(pl.Int32))
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
