"""Importing returned township workbooks: what staff actually do to them, and what must never happen."""

from __future__ import annotations

import shutil
from datetime import date

import openpyxl
import pytest
from feedback_cases import P2, TODAY, build, export, fill, header_cols, ok

from pipelines.feedback import import_feedback, parse_date
from pipelines.feedback.workbook import read_returned_workbook


def run(con, *paths, **kw):
    kw.setdefault("today", TODAY)
    return import_feedback(con, list(paths), **kw)


def verifications(con):
    return con.sql(
        "SELECT visit_id, warning_id, outcome, revision, is_correction, sheet_row FROM warn.verifications"
        " ORDER BY visit_id, warning_id, revision"
    ).fetchall()


@pytest.fixture
def workbook(con, tmp_path):
    build(con, P2)
    return export(con, tmp_path, P2)


def test_valid_rows_recorded_per_warning_and_blank_rows_pending(con, workbook):
    filled = fill(workbook, {"H1": ok("风险属实-纳入监测"), "H3": ok()})
    [report] = run(con, filled)
    assert (report.status, report.applied, report.pending, report.rejected) == ("imported", 2, 1, 0)
    rows = verifications(con)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (f"{P2}-H1", f"{P2}-H1-ILL-001", "风险属实-纳入监测"),
        (f"{P2}-H1", f"{P2}-H1-SCH-001", "风险属实-纳入监测"),
        (f"{P2}-H3", f"{P2}-H3-ILL-001", "无风险"),
    ]
    pending = [i for i in report.issues if i.level == "pending"]
    assert [i.visit_id for i in pending] == [f"{P2}-H2"] and pending[0].sheet_row is not None
    status = dict(
        con.sql("SELECT warning_id, status FROM warn.warnings WHERE period = ?", params=[P2]).fetchall()
    )
    assert status[f"{P2}-H1-ILL-001"] == "confirmed"
    assert status[f"{P2}-H3-ILL-001"] == "closed"
    assert status[f"{P2}-H2-ILL-001"] == "new"
    stored = con.sql(
        "SELECT verifier, verified_on, reviewer, source_file, sheet FROM warn.verifications"
    ).fetchall()
    assert stored[0][:3] == ("刘干部", date(2026, 11, 10), "陈审核") and stored[0][4] == "预警核实表"


def test_reordered_rows_extra_column_and_deleted_row(con, workbook):
    def edit(wb, ws):
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
        rows.reverse()  # sorted the other way
        for r, values in enumerate(rows, start=2):
            for c, v in enumerate(values, start=1):
                ws.cell(r, c).value = v
        ws.insert_cols(1)  # a column of their own in front
        ws.cell(1, 1).value = "备注"
        ws.cell(2, 1).value = "=1+1"
        cols = header_cols(ws)
        h2 = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, cols["户编号"]).value == "H2")
        ws.delete_rows(h2)  # a row deleted
        ws.cell(ws.max_row + 2, cols["户主姓名"]).value = "合计：3户"  # a stray row below, no visit id

    filled = fill(workbook, {"H1": ok(), "H2": ok(), "H3": ok("不符合条件")}, edit=edit)
    [report] = run(con, filled)
    assert (report.applied, report.pending, report.rejected) == (2, 1, 0)
    assert {r[0]: r[2] for r in verifications(con)} == {f"{P2}-H1": "无风险", f"{P2}-H3": "不符合条件"}
    [missing] = [i for i in report.issues if i.code == "row_missing"]
    assert missing.visit_id == f"{P2}-H2" and "删除" in missing.zh


def test_same_file_twice_and_resaved_copy_apply_nothing_again(con, workbook, tmp_path):
    filled = fill(workbook, {"H1": ok(), "H3": ok()})
    first, again = run(con, filled), run(con, filled)
    assert first[0].applied == 2
    assert again[0].status == "already_imported" and "已" in again[0].message_zh

    def touch(wb, ws):
        ws.cell(1, ws.max_column + 1).value = "村里备注"

    resaved = fill(
        filled, {}, tmp_path / "小河镇_预警核实表_2026-11_再次报送.xlsx", edit=touch
    )  # same answers
    [third] = run(con, resaved)
    assert (third.status, third.applied, third.unchanged, third.corrected) == ("imported", 0, 2, 0)
    assert len(verifications(con)) == 3


def test_later_different_answer_is_a_correction_latest_wins(con, workbook, tmp_path):
    run(con, fill(workbook, {"H3": ok()}))
    corrected = fill(workbook, {"H3": ok("风险属实-纳入监测", date(2026, 11, 12))}, tmp_path / "改.xlsx")
    [report] = run(con, corrected)
    assert (report.applied, report.corrected) == (0, 1)
    history = [r for r in verifications(con) if r[0] == f"{P2}-H3"]
    assert [(r[2], r[3], r[4]) for r in history] == [("无风险", 1, False), ("风险属实-纳入监测", 2, True)]
    status = con.sql(
        "SELECT status FROM warn.warnings WHERE warning_id = ?", params=[f"{P2}-H3-ILL-001"]
    ).fetchall()
    assert status == [("confirmed",)]
    assert any(i.code == "correction" for i in report.issues)


def test_row_errors_are_reported_with_row_and_valid_rows_kept(con, workbook):
    filled = fill(
        workbook,
        {
            "H1": ("可能有风险", "", "刘干部", date(2026, 11, 10), ""),  # not from the list
            "H2": ("无风险", "", "刘干部", date(2026, 12, 25), ""),  # in the future
            "H3": (
                "风险属实－纳入监测",
                "",
                "刘干部",
                "2026年11月9日",
                "",
            ),  # full-width dash, typed date: fine
        },
    )
    [report] = run(con, filled)
    assert (report.applied, report.rejected) == (1, 2)
    errors = {i.code: i for i in report.issues if i.level == "error"}
    assert set(errors) == {"outcome_invalid", "date_future"}
    assert errors["outcome_invalid"].sheet_row is not None and "下拉" in errors["outcome_invalid"].zh
    assert "future" in errors["date_future"].en
    assert "第" in str(errors["date_future"]) and "预警核实表" in str(errors["date_future"])
    assert {r[0]: r[2] for r in verifications(con)} == {f"{P2}-H3": "风险属实-纳入监测"}


def test_missing_verifier_date_before_period_and_conflicting_duplicate_rows(con, workbook):
    def edit(wb, ws):
        cols = header_cols(ws)
        src = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, cols["户编号"]).value == "H3")
        dst = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(dst, c).value = ws.cell(src, c).value
        ws.cell(dst, cols["核实结果"]).value = "风险属实-纳入监测"  # the copy says something else

    filled = fill(
        workbook,
        {"H1": ("无风险", "", "", date(2026, 11, 3), ""), "H2": ("无风险", "", "刘", date(2026, 10, 31), ""),
         "H3": ok()},
        edit=edit,
    )  # fmt: skip
    [report] = run(con, filled)
    codes = {i.code for i in report.issues if i.level == "error"}
    assert codes == {"verifier_missing", "date_before_period", "conflicting_rows"}
    assert report.applied == 0 and verifications(con) == []


def test_tampered_meta_is_refused(con, workbook):
    def edit(wb, ws):
        meta = wb["_dixian"]
        for row in meta.iter_rows():
            if row[0].value == "township":
                row[1].value = "横渡镇"

    [report] = run(con, fill(workbook, {"H1": ok()}, edit=edit))
    assert report.status == "refused" and report.issues[0].code == "meta_tampered"
    assert "校验码" in report.message_zh and verifications(con) == []


def test_wrong_township_is_refused(con, workbook, tmp_path):
    filled = fill(workbook, {"H1": ok()})
    [report] = run(con, filled, township="横渡镇")
    assert report.status == "refused" and "横渡镇" in report.message_zh and "小河镇" in report.message_zh
    renamed = tmp_path / "横渡镇_预警核实表_2026-11.xlsx"
    shutil.copy(filled, renamed)
    [report] = run(con, renamed)
    assert report.status == "refused" and report.issues[0].code == "wrong_township"
    assert verifications(con) == []


def test_a_late_return_counts_for_its_own_period(con, workbook, tmp_path):
    """Issue 13: last month's workbook returned after this month was screened is imported for last month."""
    filled = fill(workbook, {"H1": ok()})
    build(con, "2026-12")  # the next period was screened: this workbook comes back late
    [report] = run(con, filled)
    assert report.status == "imported" and report.applied == 1 and report.period == P2
    assert {r[0] for r in verifications(con)} == {f"{P2}-H1"}


def test_collecting_another_period_explicitly_refuses_an_old_workbook(con, workbook, tmp_path):
    filled = fill(workbook, {"H1": ok()})
    build(con, "2026-12")
    [report] = run(con, filled, period="2026-12")
    assert report.status == "refused" and "旧表" in report.message_zh and "old" in report.message_en
    assert verifications(con) == []


def test_not_a_dixian_workbook(con, tmp_path):
    build(con, P2)
    wb = openpyxl.Workbook()
    wb.active.append(["预警编号", "核实结果"])
    wb.save(tmp_path / "x.xlsx")
    [report] = run(con, tmp_path / "x.xlsx")
    assert report.status == "refused" and report.issues[0].code == "not_dixian"


def test_meta_lists_visits_to_warning_ids(workbook):
    wb = read_returned_workbook(workbook)
    assert wb.township == "小河镇" and wb.period == P2
    assert wb.visits[f"{P2}-H1"] == (f"{P2}-H1-ILL-001", f"{P2}-H1-SCH-001")
    assert all(r.blank for r in wb.rows) and [r.sheet_row for r in wb.rows] == [2, 3, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026-11-20 00:00:00", date(2026, 11, 20)),
        ("2026/11/5", date(2026, 11, 5)),
        ("2026.11.05", date(2026, 11, 5)),
        ("2026年11月5日", date(2026, 11, 5)),
        ("20261105", date(2026, 11, 5)),
        ("46331", date(2026, 11, 5)),  # an Excel date serial typed into a text cell
        ("2026-02-30", None),
        ("上周三", None),
        ("5", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_cli_command_json(con, workbook, tmp_path, monkeypatch):
    import json

    import typer
    from typer.testing import CliRunner

    from pipelines.feedback.commands import register
    from pipelines.warehouse import connect

    db = tmp_path / "w.duckdb"
    c = connect(db)
    c.close()
    # the CLI opens its own warehouse: copy the in-memory one into the file
    con.execute(f"ATTACH '{db}' AS f")
    con.execute("CREATE OR REPLACE TABLE f.warn.warnings AS SELECT * FROM warn.warnings")
    con.execute("DETACH f")
    app = typer.Typer()

    @app.callback()
    def main() -> None: ...

    register(app)
    filled = fill(workbook, {"H1": ok("无风险", date.today())})
    result = CliRunner().invoke(app, ["feedback", "import", str(filled), "--warehouse", str(db), "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.output)
    assert report["status"] == "imported" and report["applied"] == 1 and report["pending"] == 2
