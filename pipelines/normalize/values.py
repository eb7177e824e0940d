"""Parsing of dates and amounts as departments type them: pure polars expressions over text."""

from __future__ import annotations

import polars as pl

_EXCEL_EPOCH = pl.date(1899, 12, 30)  # Excel's day 0 (it counts the phantom 1900-02-29)


def parse_date_expr(text: pl.Expr) -> pl.Expr:
    """Text → Date, accepting 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103,
    an Excel serial number (46329), datetime text (2026-11-03 08:00:00, 2026年11月3日14:30) and a month
    alone (2026年11月 → the 1st). Null when unrecognised."""
    s = text.cast(pl.String).str.normalize("NFKC").str.strip_chars()
    dashed = (
        s.str.replace(r"(\s+|T|日)\d{1,2}[:：]\d{2}([:：]\d{2}(\.\d+)?)?$", "")
        .str.replace_all(r"[年月/.]", "-")
        .str.replace(r"日$", "")
    )
    serial = s.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int32, strict=False)
    # a month without a day (2026年10月, 2026-10) is dated the 1st: the row belongs to that month
    month_only = pl.when(dashed.str.contains(r"^\d{4}-\d{1,2}-?$")).then(dashed.str.strip_suffix("-") + "-1")
    parsed = pl.coalesce(
        dashed.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        month_only.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        s.str.extract(r"^(\d{8})$", 1).str.strptime(pl.Date, "%Y%m%d", strict=False),
        pl.when(serial.is_between(1, 80000)).then(_EXCEL_EPOCH + pl.duration(days=serial)),
    )
    return pl.when(parsed.dt.year().is_between(1900, 2100)).then(parsed)


def parse_amount_expr(text: pl.Expr) -> pl.Expr:
    """Text → Float64 yuan, accepting 1,234.5 / 1234元 / ¥1234 / 1.2万元 / full-width digits."""
    s = text.cast(pl.String).str.normalize("NFKC").str.strip_chars()
    is_wan = s.str.contains("万")
    digits = s.str.replace_all(r"[,，\s元¥￥万]|人民币", "").cast(pl.Float64, strict=False)
    return pl.when(is_wan).then(digits * 10_000).otherwise(digits)


def parse_date_column(text: pl.Series) -> pl.Series:
    """parse_date_expr over a column's distinct values only: a date column repeats a few hundred
    values over a million rows, and the text clean-up before parsing is the costly part."""
    stripped = text.cast(pl.String).str.strip_chars()
    distinct = stripped.drop_nulls().unique()
    parsed = pl.select(parse_date_expr(pl.lit(distinct))).to_series()
    return stripped.replace_strict(distinct, parsed, default=None, return_dtype=pl.Date).alias(text.name)


def parse_amount_column(text: pl.Series) -> pl.Series:
    """parse_amount_expr over a column, fast for the common case: plain numbers are cast directly, and
    only the rest (1,234.5 / 1234元 / 1.2万 / full-width digits) is cleaned up, once per distinct value.
    The result is the same as parse_amount_expr's (its last step is the same cast)."""
    stripped = text.cast(pl.String).str.strip_chars()
    direct = stripped.cast(pl.Float64, strict=False)
    rest = stripped.filter(direct.is_null()).drop_nulls().unique()
    if rest.len() == 0:
        return direct.alias(text.name)
    parsed = pl.select(parse_amount_expr(pl.lit(rest))).to_series()
    cleaned = stripped.replace_strict(rest, parsed, default=None, return_dtype=pl.Float64)
    return direct.fill_null(cleaned).alias(text.name)
