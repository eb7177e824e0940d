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
