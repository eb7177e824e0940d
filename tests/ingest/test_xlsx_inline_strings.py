"""Workbooks whose text cells are inline strings (xlsxwriter constant_memory, many web exports): row
numbers and numeric-ID flags must still line up with what calamine reads."""

from __future__ import annotations

import xlsxwriter

from pipelines.ingest.inbox import ingest_paths
from pipelines.warehouse import connect


def test_inline_string_workbook_keeps_row_numbers_and_id_flags(tmp_path):
    path = tmp_path / "inline.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("结算")
    ws.write_string(0, 0, "石台县医保局结算明细")
    ws.write_row(1, 0, ["参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"])
    ws.write_row(2, 0, ["张三", "341722199001011235", "2026-11-03"])
    ws.write_number(2, 3, 100)
    ws.write_number(2, 4, 50)
    ws.write_string(3, 0, "李四")
    ws.write_number(3, 1, 341722198505054322)
    ws.write_row(3, 2, ["2026-11-04", "200", "80"])
    wb.close()
    with connect(":memory:") as con:
        [a] = ingest_paths(con, [path], "medical_insurance", period="2026-11")
        assert (a.status, a.rows_loaded) == ("loaded", 2)
        rows = con.sql(
            "SELECT row_no, name, id_damaged FROM raw.medical_insurance ORDER BY row_no"
        ).fetchall()
    assert rows == [(3, "张三", False), (4, "李四", True)]


def test_a_workbook_whose_cells_carry_no_references_is_read(tmp_path):
    """Some exporters omit the optional r="B3" on every cell: the numeric-cell scan falls back to its
    slow path (it used to raise TypeError there: a bytes pattern matched against str)."""
    import re
    import zipfile

    written = tmp_path / "written.xlsx"
    wb = xlsxwriter.Workbook(str(written))
    ws = wb.add_worksheet("结算")
    ws.write_row(0, 0, ["参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"])
    ws.write_row(1, 0, ["张三", "341722199001011235", "2026-11-03"])
    ws.write_number(1, 3, 100)
    ws.write_number(1, 4, 50)
    wb.close()
    path = tmp_path / "no_refs.xlsx"
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'(<c\b[^>]*?)\sr="[A-Z]+\d+"', rb"\1", data)
                data = re.sub(rb'(<row\b[^>]*?)\sspans="[^"]*"', rb"\1", data)
                assert b' r="A2"' not in data
            dst.writestr(item, data)
    with connect(":memory:") as con:
        [a] = ingest_paths(con, [path], "medical_insurance", period="2026-11")
        assert (a.status, a.rows_loaded) == ("loaded", 1), a.message
        rows = con.sql("SELECT name, out_of_pocket FROM raw.medical_insurance").fetchall()
    assert rows == [("张三", 50.0)]
