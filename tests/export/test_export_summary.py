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
        "status_zh": ["已入库", "已入库"],
        "note": ["", ""],
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
        "核实进度",
        "逾期未核实",
        "核实结果",
        "规则准确率",
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
    # departments by their Chinese names only: no English source code anywhere on the two sheets
    assert header == ["部门", "文件", "读取行数", "入库行数", "隔离行数", "忽略行数", "处理结果", "说明"]
    assert body[-1][:6] == ["合计", None, 200, 188, 10, 2]
    assert body[0][6] == "已入库"
    header, body = table(wb["匹配情况"])
    assert header == ["部门", "记录数", "匹配成功", "多重匹配", "未匹配", "匹配率"]
    assert body[0][:5] == ["医疗保障局", 110, 100, 4, 6]
    assert body[-1][1:5] == [188, 170, 7, 11] and body[-1][5] == pytest.approx(170 / 188)
    shown = [
        str(c)
        for ws in (wb["数据接收"], wb["匹配情况"])
        for r in ws.iter_rows(values_only=True)
        for c in r
        if c
    ]
    assert not any("medical_insurance" in c or c == "health" for c in shown)


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


def test_verification_progress_overdue_outcomes_and_rule_precision(tmp_path, county):
    from datetime import date

    suppressed = make_warnings(
        {"warning_id": "S1", "household_id": "K9", "township": "横渡镇", "status": "suppressed"}
    )
    verifications = pl.DataFrame(
        {
            "warning_id": ["W1", "W2", "C1", "C2", "OLD1", "OLD2"],
            "period": [PERIOD] * 4 + ["2026-04"] * 2,
            "rule_id": ["ILL-001", "SCH-001", "ILL-001", "SCH-001", "ILL-001", "ILL-001"],
            "outcome": ["风险属实-纳入监测", "风险属实-纳入监测", "无风险", "无风险", "风险属实-已是监测户-落实帮扶",
                        "信息有误"],
        }
    )  # fmt: skip
    path = write_county_summary(
        tmp_path / "s.xlsx", PERIOD, pl.concat([county, suppressed]), accounting=ACCOUNTING,
        match_stats=MATCH_STATS, verifications=verifications, due_date=date(2026, 6, 10), today=date(2026, 6, 15),
    )  # fmt: skip
    wb = openpyxl.load_workbook(path)
    header, body = table(wb["核实进度"])
    assert header == [
        "乡镇",
        "应核实户数",
        "已核实户数",
        "待核实户数",
        "核实完成率",
        "逾期未核实户数",
        "暂缓下发预警条数",
    ]
    rows = {r[0]: r for r in body}
    assert rows["小河镇"][1:4] == [3, 1, 2] and rows["小河镇"][5] == 2
    assert rows["横渡镇"][1:4] == [2, 1, 1] and rows["横渡镇"][6] == 1
    assert rows["合计"][1:4] == [5, 2, 3] and rows["合计"][4] == pytest.approx(0.4)

    header, body = table(wb["逾期未核实"])
    assert header == ["乡镇", "行政村", "户编号", "预警编号", "最高预警等级", "截止日期", "逾期天数"]
    overdue = [r for r in body if r[0] != "合计"]
    assert sorted(r[2] for r in overdue) == ["H002", "H010", "K2"]
    assert all(r[3] == f"{PERIOD}-{r[2]}" and r[6] == 5 for r in overdue)

    _, body = table(wb["核实结果"])
    outcomes = {r[0]: r for r in body}
    assert "风险属实-纳入监测" in [c.value for c in wb["核实结果"][3]]

    header, body = table(wb["规则准确率"])
    rules = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert rules["ILL-001"]["本期已核实"] == 2 and rules["ILL-001"]["本期风险属实"] == 1
    assert rules["ILL-001"]["本期准确率"] == pytest.approx(0.5)
    assert rules["ILL-001"]["累计已核实"] == 4 and rules["ILL-001"]["累计准确率"] == pytest.approx(0.5)
    assert rules["SCH-001"]["本期准确率"] == pytest.approx(0.5)
    # households by their latest answer, this period's only: 小河镇 H001 confirmed (W1, W2), H002 and
    # H010 pending; 横渡镇 K1 no risk (C1, C2), K2 pending; April's OLD1/OLD2 and the suppressed S1 are
    # not this period's visits
    labels = [c.value for c in wb["核实结果"][3]]
    counts = {t: {k: v for k, v in zip(labels[1:], r[1:], strict=True) if v} for t, r in outcomes.items()}
    assert counts == {
        "小河镇": {"风险属实-纳入监测": 1, "待核实": 2, "合计": 3},
        "横渡镇": {"无风险": 1, "待核实": 1, "合计": 2},
        "合计": {"风险属实-纳入监测": 1, "无风险": 1, "待核实": 3, "合计": 5},
    }
    # no personal data beyond the overdue list's household ids
    cells = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "张三" not in cells and "3417221990" not in cells


def test_not_yet_due_means_nothing_overdue(tmp_path, county):
    from datetime import date

    path = write_county_summary(
        tmp_path / "s.xlsx", PERIOD, county, accounting=ACCOUNTING, match_stats=MATCH_STATS,
        due_date=date(2026, 6, 10), today=date(2026, 6, 1),
    )  # fmt: skip
    _, body = table(openpyxl.load_workbook(path)["逾期未核实"])
    assert body == []
