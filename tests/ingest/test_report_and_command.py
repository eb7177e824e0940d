"""The department quality workbook and `dixian ingest` (JSON lines and exit status)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import typer
from typer.testing import CliRunner

from pipelines.ingest.commands import register
from pipelines.ingest.inbox import ingest_paths
from pipelines.ingest.quality_report import write_quality_reports
from pipelines.warehouse import connect

CASES = Path(__file__).parent / "cases"


def test_quality_report_per_department(tmp_path):
    with connect(":memory:") as con:
        ingest_paths(
            con, [CASES / "gbk_civil_affairs.csv", CASES / "name_only.csv"], "civil_affairs", period="2026-11"
        )
        ingest_paths(
            con, [CASES / "ids.csv", CASES / "missing_columns.csv"], "medical_insurance", period="2026-11"
        )
        ingest_paths(con, [CASES / "unknown_source.csv"], None, period="2026-11")
        paths = write_quality_reports(con, tmp_path / "a", "2026-11")
        again = write_quality_reports(con, tmp_path / "b", "2026-11")
    names = sorted(p.name for p in paths)
    assert names == [
        "数据质量反馈_医疗保障局_2026-11.xlsx",
        "数据质量反馈_未识别来源_2026-11.xlsx",
        "数据质量反馈_民政局_2026-11.xlsx",
    ]
    for p, q in zip(sorted(paths), sorted(again), strict=True):
        assert p.read_bytes() == q.read_bytes()  # stable bytes: fixed created date, fixed order

    wb = openpyxl.load_workbook(tmp_path / "a" / "数据质量反馈_民政局_2026-11.xlsx")
    assert wb.sheetnames == [
        "文件汇总",
        "问题行明细",
        "隔离行",
        "忽略行",
        "身份证号问题",
        "未识别取值",
        "表头识别",
        "说明",
    ]
    files = list(wb["文件汇总"].iter_rows(values_only=True))
    assert files[0] == (
        "数据来源",
        "文件",
        "状态",
        "读取",
        "入库",
        "未变",
        "更新",
        "隔离",
        "忽略",
        "问题说明",
    )
    gbk = next(r for r in files if r[1].endswith("gbk_civil_affairs.csv"))
    assert gbk[2:9] == ("已入库", 7, 2, 0, 0, 2, 3)
    quarantined = list(wb["隔离行"].iter_rows(values_only=True))
    assert quarantined[0] == ("文件", "工作表", "行号", "列", "值", "原因")
    assert [(r[2], r[5]) for r in quarantined[1:]] == [
        (5, "身份证号或姓名至少填一项"),
        (6, "办理日期：日期无法识别"),
    ]
    ignored = list(wb["忽略行"].iter_rows(values_only=True))
    assert [(r[2], r[3]) for r in ignored[1:]] == [(7, "空行"), (8, "合计行"), (9, "表尾说明")]
    for ws in wb.worksheets:  # no formula cells anywhere
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)

    mi = openpyxl.load_workbook(tmp_path / "a" / "数据质量反馈_医疗保障局_2026-11.xlsx")
    ids = list(mi["身份证号问题"].iter_rows(values_only=True))
    assert ids[0] == ("文件", "缺失", "15位", "校验位错误", "被Excel损坏", "脱敏")
    assert ids[1][1:] == (1, 1, 1, 0, 1)
    refused = next(r for r in mi["文件汇总"].iter_rows(values_only=True) if r[2] == "拒收")
    assert "缺少必填列" in refused[9] and "个人自付" in refused[9]


def test_ingest_command_json_lines_and_exit_status(tmp_path):
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command keeps typer from collapsing the app into `ingest`
        pass

    folder = tmp_path / "inbox" / "medical_insurance"
    folder.mkdir(parents=True)
    shutil.copy(CASES / "csv_quoted_multiline.csv", folder)
    shutil.copy(CASES / "vehicles_no_folder.csv", tmp_path)
    shutil.copy(CASES / "encrypted.xlsx", tmp_path)
    args = ["ingest", str(folder), str(tmp_path / "vehicles_no_folder.csv"), str(tmp_path / "encrypted.xlsx")]
    args += [
        "--json",
        "--period",
        "2026-11",
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
        "--data-dir",
        str(tmp_path),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output  # a refused file
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [(r["source"], r["status"]) for r in lines] == [
        ("medical_insurance", "loaded"),
        ("vehicles", "loaded"),
        (None, "refused"),
    ]
    assert lines[0] | {"file": ""} == {
        "file": "",
        "source": "medical_insurance",
        "status": "loaded",
        "read": 3,
        "loaded": 2,
        "unchanged": 0,
        "changed": 0,
        "quarantined": 1,
        "ignored": 0,
        "error": None,
    }
    assert lines[2]["error"]["category"] == "password_protected"
    wh = ["--period", "2026-11", "--warehouse", str(tmp_path / "wh.duckdb")]
    again = CliRunner().invoke(
        app, ["ingest", str(folder), str(tmp_path / "vehicles_no_folder.csv"), "--json", *wh]
    )
    assert again.exit_code == 0, again.output
    assert [json.loads(x)["status"] for x in again.stdout.splitlines()] == ["skipped-duplicate"] * 2
    table = CliRunner().invoke(app, ["ingest", str(folder), *wh])
    assert table.exit_code == 0 and "数据接收" in table.stdout
