"""The daily feedback-import flow picks up returned workbooks from data/returns/ and applies them once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipelines.flows.feedback import feedback_import
from pipelines.flows.monthly import monthly_screening
from pipelines.synth import generate_county

PERIOD = "2026-11"
pytestmark = pytest.mark.slow


def answer_all(src: Path, dst: Path) -> int:
    wb = openpyxl.load_workbook(src)
    ws = wb["预警核实表"]
    cols = {c.value: c.column for c in ws[1]}
    answered = 0
    for r in range(2, ws.max_row + 1):
        if not ws.cell(r, cols["预警编号"]).value:
            continue
        ws.cell(r, cols["核实结果"]).value = "无风险"
        ws.cell(r, cols["核实情况说明"]).value = "入户核实，收入稳定"
        ws.cell(r, cols["核实人"]).value = "王网格"
        ws.cell(r, cols["核实日期"]).value = datetime(2026, 11, 10)
        ws.cell(r, cols["乡镇审核人"]).value = "乡镇审核员"
        answered += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return answered


def test_daily_import_applies_returned_workbooks_once(tmp_path):
    generate_county(tmp_path, households=150, seed=21, period=PERIOD)
    run = monthly_screening(period=PERIOD, data_dir=str(tmp_path))
    book = Path(next(p for p in run["township_workbooks"] if "仁里镇" in p))
    answered = answer_all(book, tmp_path / "returns" / "仁里镇_已核实.xlsx")
    assert answered > 0

    (tmp_path / "returns" / "仁里镇_已核实.et").write_bytes(
        b"\xd0\xcf\x11\xe0 WPS"
    )  # saved in WPS' own format
    (tmp_path / "returns" / "~$仁里镇_已核实.xlsx").write_bytes(b"lock")  # left by an open Excel

    first = feedback_import(data_dir=str(tmp_path))
    by_file = {r["file"]: r for r in first["reports"]}
    assert (
        by_file["仁里镇_已核实.et"]["status"] == "refused"
        and ".xlsx" in by_file["仁里镇_已核实.et"]["message_zh"]
    )
    assert by_file["~$仁里镇_已核实.xlsx"]["status"] == "skipped"
    report = by_file["仁里镇_已核实.xlsx"]
    assert report["status"] == "imported", report
    assert report["applied"] == answered and report["rejected"] == 0

    again = feedback_import(data_dir=str(tmp_path))  # the next day: same folder, nothing new
    report = {r["file"]: r for r in again["reports"]}["仁里镇_已核实.xlsx"]
    assert report["applied"] == 0 and report["corrected"] == 0


def test_returns_not_imported_are_listed_in_the_next_county_summary(tmp_path):
    generate_county(tmp_path, households=60, seed=22, period=PERIOD)
    monthly_screening(period=PERIOD, data_dir=str(tmp_path))
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "七都镇核实表.et").write_bytes(b"\xd0\xcf\x11\xe0 WPS")
    (tmp_path / "returns" / "照片.jpg").write_bytes(b"\xff\xd8\xff")
    feedback_import(data_dir=str(tmp_path))
    run = monthly_screening(period=PERIOD, data_dir=str(tmp_path))
    wb = openpyxl.load_workbook(run["county_summary"], read_only=True)
    rows = [[str(c) for c in r if c is not None] for r in wb["回收文件未导入"].iter_rows(values_only=True)]
    listed = {r[0]: r for r in rows if r and r[0] in ("七都镇核实表.et", "照片.jpg")}
    assert set(listed) == {"七都镇核实表.et", "照片.jpg"}
    assert all("未导入" in r and any(".xlsx" in c for c in r) for r in listed.values())
