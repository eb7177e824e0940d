"""County summary: counts add up, native chart present, no personal data, byte-stable."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from export_cases import PERIOD, make_warnings

from pipelines.export import write_county_summary

ACCOUNTING = pl.DataFrame(
    {
        "source": ["medical_insurance", "education"],
        "department": ["医疗保障局", "教育局"],
        "file": ["医保结算2026-05.xlsx", "学籍2026-05.csv"],
        "rows_read": [120, 80],
        "rows_loaded": [110, 78],
        "rows_quarantined": [8, 2],
        "rows_ignored": [2, 0],
    }
)
MATCH_STATS = pl.DataFrame(
    {
        "source": ["medical_insurance", "education"],
        "department": ["医疗保障局", "教育局"],
        "rows": [110, 78],
        "matched": [100, 70],
        "ambiguous": [4, 3],
        "unmatched": [6, 5],
        "match_rate": [100 / 110, 70 / 78],
    }
)


@pytest.fixture
def county(warnings) -> pl.DataFrame:
    others = make_warnings(
        {"warning_id": "C1", "household_id": "K1", "township": "横渡镇"},
        {"warning_id": "C2", "household_id": "K1", "township": "横渡镇", "rule_id": "SCH-001", "cause_label": "因学",
         "severity": "yellow"},
        {"warning_id": "C3", "household_id": "K2", "township": "横渡镇", "severity": "green"},
    )  # fmt: skip
    return pl.concat([warnings, others])


def write(tmp_path: Path, warnings: pl.DataFrame, name: str = "s.xlsx") -> Path:
    return write_county_summary(
        tmp_path / name, PERIOD, warnings, accounting=ACCOUNTING, match_stats=MATCH_STATS
    )


def table(ws, header_row: int = 3) -> tuple[list[str], list[list[object]]]:
    rows = list(ws.iter_rows(min_row=header_row, max_row=ws.max_row, values_only=True))
    header = [h for h in rows[0] if h is not None]
    body = [list(r[: len(header)]) for r in rows[1:] if r[0] is not None]
    return header, body


def test_sheets(tmp_path, county):
    assert openpyxl.load_workbook(write(tmp_path, county)).sheetnames == [
        "汇总",
        "按等级",
        "数据接收",
        "匹配情况",
    ]


def test_by_cause_totals_add_up_and_chart(tmp_path, county):
    ws = openpyxl.load_workbook(write(tmp_path, county))["汇总"]
    header, body = table(ws)
    assert header == ["乡镇", "因学", "因残", "因病", "预警条数合计", "预警户数"]
    causes = header[1:-2]
    by_town = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in body}
    assert set(by_town) == {"小河镇", "横渡镇", "合计"}
    assert by_town["小河镇"]["预警条数合计"] == 4 and by_town["小河镇"]["预警户数"] == 3
    assert (
        by_town["横渡镇"]["因病"] == 2
        and by_town["横渡镇"]["因学"] == 1
        and by_town["横渡镇"]["预警户数"] == 2
    )
    for town in ("小河镇", "横渡镇"):
        assert sum(by_town[town][c] for c in causes) == by_town[town]["预警条数合计"]
    for col in [*causes, "预警条数合计", "预警户数"]:
        assert by_town["合计"][col] == by_town["小河镇"][col] + by_town["横渡镇"][col]
    assert by_town["合计"]["预警条数合计"] == county.height
    assert ws._charts, "the native chart is missing"
    chart = ws._charts[0]
    assert chart.tagname == "barChart" and chart.grouping == "stacked" and len(chart.series) == len(causes)


def test_by_severity(tmp_path, county):
    header, body = table(openpyxl.load_workbook(write(tmp_path, county))["按等级"])
    assert header == ["乡镇", "红色", "黄色", "绿色", "合计"]
    by_town = {r[0]: r[1:] for r in body}
    assert by_town["横渡镇"] == [1, 1, 1, 3]
    assert by_town["小河镇"] == [2, 2, 0, 4]
    assert by_town["合计"] == [3, 3, 1, 7]


def test_accounting_and_match_sheets(tmp_path, county):
    wb = openpyxl.load_workbook(write(tmp_path, county))
    header, body = table(wb["数据接收"])
    assert header == ["数据来源", "部门", "文件", "读取行数", "入库行数", "隔离行数", "忽略行数"]
    assert body[-1] == ["合计", None, None, 200, 188, 10, 2]
    header, body = table(wb["匹配情况"])
    assert header == ["数据来源", "部门", "记录数", "匹配成功", "多重匹配", "未匹配", "匹配率"]
    assert body[0][:6] == ["medical_insurance", "医疗保障局", 110, 100, 4, 6]
    assert body[-1][2:6] == [188, 170, 7, 11] and body[-1][6] == pytest.approx(170 / 188)


def test_no_personal_data(tmp_path, county):
    wb = openpyxl.load_workbook(write(tmp_path, county))
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    names = {n for v in county.get_column("person_names").to_list() for n in v.split("、")}
    ids = {i for v in county.get_column("person_id_numbers").to_list() for i in v.split("、")}
    assert not any(n in text for n in names | set(county.get_column("head_name").to_list()))
    assert not any(i in text for i in ids)
    assert not any(h in text for h in county.get_column("household_id").to_list())


def test_byte_identical(tmp_path, county):
    assert (
        write(tmp_path, county, "a.xlsx").read_bytes()
        == write(tmp_path, county.reverse(), "b.xlsx").read_bytes()
    )


def test_empty_period(tmp_path, county):
    path = write_county_summary(
        tmp_path / "e.xlsx",
        PERIOD,
        county.clear(),
        accounting=ACCOUNTING.clear(),
        match_stats=MATCH_STATS.clear(),
    )
    wb = openpyxl.load_workbook(path)
    assert wb["汇总"]["A3"].value == "本期无预警"
    assert not wb["汇总"]._charts
