from datetime import date

import polars as pl
import pytest

from pipelines.normalize.names import fold_name, name_pinyin
from pipelines.normalize.values import parse_amount_expr, parse_date_expr


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-03",
        "2026/11/3",
        "2026年11月3日",
        "20261103",
        "46329",
        "2026-11-03 08:30:00",
        "2026.11.03",
        "２０２６-１１-０３",
        "2026/11/3 9:05",
        "2026年11月3日 14:30",
        "2026年11月3日14:30",
        "2026-11-03T08:30:00",
    ],
)
def test_dates_in_every_format_departments_use(text):
    assert pl.select(parse_date_expr(pl.lit(text))).item() == date(2026, 11, 3)


@pytest.mark.parametrize("text", ["2026年11月", "2026-11", "2026.11"])
def test_a_month_alone_is_its_first_day(text):
    assert pl.select(parse_date_expr(pl.lit(text))).item() == date(2026, 11, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "abc", "11/03/2026x", "0", "2026-13"])
def test_impossible_dates_are_null(text):
    assert pl.select(parse_date_expr(pl.lit(text))).item() is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.5", 1234.5),
        ("1234元", 1234.0),
        ("¥1234", 1234.0),
        ("1.2万元", 12000.0),
        ("１２３", 123.0),
        ("3万", 30000.0),
    ],
)
def test_amounts(text, value):
    assert pl.select(parse_amount_expr(pl.lit(text))).item() == pytest.approx(value)


def test_non_numbers_are_null():
    assert pl.select(parse_amount_expr(pl.lit("约五千"))).item() is None


@pytest.mark.parametrize(
    ("a", "b", "folded"),
    [
        ("陳偉", "陈伟", "陈伟"),
        ("张 三", "张三", "张三"),
        ("阿依古丽・买买提", "阿依古丽·买买提", "阿依古丽买买提"),
        ("阿依古丽.买买提", "阿依古丽·买买提", "阿依古丽买买提"),
    ],
)
def test_name_folding(a, b, folded):
    assert fold_name(a) == fold_name(b)
    assert fold_name(a) == folded  # the simplified name itself, separators and spaces gone


def test_surname_reading_and_homophones():
    assert name_pinyin("曾伟").startswith("zeng")
    assert name_pinyin("曾伟") == "zeng wei"  # 曾 read as the surname zēng, not céng
    assert name_pinyin("单丽") == "shan li"
    assert name_pinyin("王伟") == name_pinyin("王玮")
    assert name_pinyin("王伟") == "wang wei"
    assert name_pinyin("王伟") != name_pinyin("王芳")
