"""The plain-UTF-8 fast path (polars' own reader) gives exactly the rows the line-by-line path gives,
and hands over to it whenever the text is not that simple."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.ingest import readers
from pipelines.normalize.values import parse_amount_column, parse_amount_expr

SIMPLE = [
    "a,b,c\n\n1,2\r\n3,4,5\n,,\n  \n",  # blank and all-space lines keep their line numbers; CR LF
    "a,b\n1,2",  # no final line break
    "a\tb\n1\t2\t3\n",  # tabs; the first line narrower than a later one
    "\n\n标题\n姓名,身份证号\n张三,1\n",  # leading blank lines, a one-cell title
    "甲,乙\n１,2\n",
    "a\x0cb,c\n",  # a form feed is text inside a line, as for the csv module
]


@pytest.mark.parametrize("text", SIMPLE)
def test_fast_path_equals_line_by_line(text):
    fast = readers._read_plain_utf8(text.encode())
    assert fast is not None
    assert fast[1] == "utf-8"
    assert_frame_equal(fast[0], readers._split_unquoted(text, readers._delimiter(text)))


def test_bom_is_dropped_and_named():
    fast = readers._read_plain_utf8("\ufeffa,b\n1,2\n".encode())
    assert fast is not None and fast[1] == "utf-8-sig"
    assert fast[0].row(0) == ("a", "b", 1)


@pytest.mark.parametrize(
    "data",
    [
        "a,b\n" + "1,2\n" * 20_000 + "1,2,3,4\n",  # wider than every line of the sample: no field lost
        "a,b\rc,d\n",  # a lone CR ends a line
        "姓名,身份证\n张三,1\n",  # GB18030 below
        "   \n",  # blank: the caller says the file is empty
    ],
)
def test_other_text_takes_the_careful_path(data, tmp_path):
    raw = data.encode("gb18030") if data.startswith("姓名") else data.encode()
    assert readers._read_plain_utf8(raw) is None
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    if not data.strip():
        with pytest.raises(readers.ReadError):
            readers.read_csv(path)
        return
    sheet = readers.read_csv(path)
    lines = data.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    assert sheet.grid.height == len(lines)
    if data.startswith("a,b\n1"):
        assert sheet.grid.row(-1)[:4] == ("1", "2", "3", "4")


def test_amount_column_equals_the_expression():
    values = ["1,234.5", "12", "１２", "1.2万", " 3 ", "", "x", None, "¥5", "1e3", "12元", "-4.5", "3.0万元"]
    s = pl.Series("a", values * 3)
    expected = pl.select(parse_amount_expr(pl.lit(s))).to_series().alias("a")
    assert_frame_equal(parse_amount_column(s).to_frame(), expected.to_frame())


@pytest.mark.parametrize(
    "text",
    [
        'a,"1,234.5",c\n\n"x",y\r\n',  # quoted amounts with commas: still one record per line
        '"a",b\n"","x"\n',
        '"a",b,\n1,2,\n',  # a trailing empty field is a column, as for the csv module
    ],
)
def test_quoted_fast_path_equals_the_csv_module(text):
    import csv
    import io

    fast = readers._read_plain_utf8(text.encode())
    assert fast is not None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert_frame_equal(fast[0], readers._grid_from_rows(rows, None))


@pytest.mark.parametrize("text", ['a,"b""c"\n', 'a,"b\nc"\n', 'a,b"c,d\n'])
def test_escaped_stray_or_multiline_quotes_take_the_csv_module(text, tmp_path):
    assert readers._read_plain_utf8(text.encode()) is None
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    grid = readers.read_csv(path).grid
    assert grid.row(0)[:2] == ("a", {'a,"b""c"\n': 'b"c', 'a,"b\nc"\n': "b\nc", 'a,b"c,d\n': 'b"c'}[text])
