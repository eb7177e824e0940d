"""Dates and amounts as they come out of the readers (Excel datetime cells, serials, calamine's float
text, HTML non-breaking spaces): the parsers in pipelines.normalize.values must take them all."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.normalize.values import parse_amount_expr, parse_date_expr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03 00:00:00", date(2026, 11, 3)),  # calamine's text for a date cell
        ("2026-11-04 09:30:00", date(2026, 11, 4)),  # a datetime cell
        ("2026-11-04T09:30:00", date(2026, 11, 4)),
        ("46331", date(2026, 11, 5)),  # a serial number typed as a number
        ("46331.0", date(2026, 11, 5)),  # …as calamine renders a float cell
        ("2026年1月5日", date(2026, 1, 5)),
        (" 2026/1/5 ", date(2026, 1, 5)),
        ("2026-13-45", None),
        ("不详", None),
        ("", None),
    ],
)
def test_dates_from_cells(text, expected):
    assert pl.select(parse_date_expr(pl.lit(text))).item() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200.5", 1200.5),  # a number cell
        ("1,000.00", 1000.0),  # an HTML export
        ("1.2万", 12000.0),
        ("800元", 800.0),
        ("￥ 1 234", 1234.0),
        ("-50", -50.0),
        ("五百", None),  # written in words: quarantined, never guessed
        ("无", None),
    ],
)
def test_amounts_from_cells(text, expected):
    assert pl.select(parse_amount_expr(pl.lit(text))).item() == expected
