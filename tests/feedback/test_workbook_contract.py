"""The township workbook is one contract (pipelines.contracts.township_workbook): a column is one row of
its table. Adding a row — and nothing else — writes the column, reads it back from a filled-in return,
checks it and stores it with the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import openpyxl
import pytest
from feedback_cases import P1, build, export, fill, ok

from pipelines.contracts import township_workbook
from pipelines.contracts.township_workbook import Column
from pipelines.feedback import import_feedback
from pipelines.warnings import latest_verifications

TODAY = date(2026, 11, 20)


def _with_rows(monkeypatch, *new: Column) -> None:
    """The contract's table with rows added just before 乡镇审核人 (the edit a developer would make)."""
    rows = list(township_workbook.COLUMNS)
    at = next(i for i, c in enumerate(rows) if c.key == "reviewer")
    monkeypatch.setattr(township_workbook, "COLUMNS", (*rows[:at], *new, *rows[at:]))


def _filled(path, extra: dict[str, dict[str, object]], name: str = "返回"):
    """Fill the standard answers, then the added columns by header (as staff would)."""
    wb = openpyxl.load_workbook(fill(path, {"H1": ok("风险属实-纳入监测"), "H2": ok()}))
    ws = wb["预警核实表"]
    cols = {c.value: c.column for c in ws[1] if c.value}
    for r in range(2, ws.max_row + 1):
        for header, value in extra.get(ws.cell(r, cols["户编号"]).value, {}).items():
            ws.cell(r, cols[header]).value = value
    out = path.with_name(f"{path.stem}_{name}.xlsx")
    wb.save(out)
    return out


def test_a_column_added_to_the_table_round_trips_with_no_other_edit(con, tmp_path, monkeypatch):
    measures = Column("measures_taken", "已落实帮扶措施", 24, "fill", "assistance measures")
    _with_rows(monkeypatch, measures)
    build(con, P1)
    book = export(con, tmp_path, P1)
    ws = openpyxl.load_workbook(book)["预警核实表"]
    header = [c.value for c in ws[1]]
    assert header == [c.header for c in township_workbook.columns() if not c.when_present]
    assert header.index("已落实帮扶措施") == header.index("乡镇审核人") - 1
    col = header.index("已落实帮扶措施") + 1
    assert ws.cell(2, col).value is None and ws.cell(2, col).protection.locked is False  # open to fill
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width == pytest.approx(24, abs=1)

    returned = _filled(book, {"H1": {"已落实帮扶措施": "纳入低保，安排公益岗位"}})
    [report] = import_feedback(con, [returned], today=TODAY)
    assert report.status == "imported" and report.applied == 2, report.as_dict()
    stored = latest_verifications(con).select("household_id", "outcome", "measures_taken").rows()
    assert sorted(set(stored)) == [
        ("H1", "风险属实-纳入监测", "纳入低保，安排公益岗位"),
        ("H2", "无风险", ""),
    ]

    # the new column is part of the answer: the same answers again apply nothing, changing only it corrects
    again = _filled(book, {"H1": {"已落实帮扶措施": "纳入低保，安排公益岗位"}}, "再报")
    [report] = import_feedback(con, [again], today=TODAY)
    # (a file saved within the same second is byte-identical: then it is recognised as already imported)
    assert (report.applied, report.corrected) == (0, 0), report.as_dict()
    assert report.status == "already_imported" or report.unchanged == 2, report.as_dict()
    changed = _filled(book, {"H1": {"已落实帮扶措施": "纳入低保"}}, "更正")
    [report] = import_feedback(con, [changed], today=TODAY)
    assert report.corrected == 1 and report.unchanged == 1
    assert ("H1", "纳入低保") in latest_verifications(con).select("household_id", "measures_taken").rows()


def test_an_added_column_that_must_be_kept_and_filled_is_enforced(con, tmp_path, monkeypatch):
    phone = Column("contact_checked", "联系电话已核对", 10, "fill_choice", "phone checked",
                   keep=True, must_fill=True, choices=("是", "否"))  # fmt: skip
    _with_rows(monkeypatch, phone)
    build(con, P1)
    book = export(con, tmp_path, P1)
    ws = openpyxl.load_workbook(book)["预警核实表"]
    col = [c.value for c in ws[1]].index("联系电话已核对") + 1
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    letter = openpyxl.utils.get_column_letter(col)
    assert any(str(dv.sqref).startswith(letter) and dv.formula1 == '"是,否"' for dv in lists)

    returned = _filled(book, {"H1": {"联系电话已核对": "是"}, "H2": {"联系电话已核对": "也许"}})
    [report] = import_feedback(con, [returned], today=TODAY)
    codes = {(i.visit_id, i.code) for i in report.issues if i.level == "error"}
    assert codes == {(f"{P1}-H2", "contact_checked_invalid")}
    assert report.applied == 1 and report.rejected == 1

    dropped = openpyxl.load_workbook(returned)
    sheet = dropped["预警核实表"]
    sheet.delete_cols(col)
    gone = returned.with_name("删列.xlsx")
    dropped.save(gone)
    [report] = import_feedback(con, [gone], today=TODAY)
    assert report.status == "refused" and "联系电话已核对" in report.message_zh


def test_the_contract_declares_each_key_once_and_every_written_column_has_a_value():
    keys = [c.key for c in township_workbook.columns()]
    assert len(keys) == len(set(keys)) and len(set(township_workbook.headers())) == len(keys)
    assert township_workbook.column(township_workbook.VISIT_KEY).keep
    assert all(c.choices for c in township_workbook.columns() if c.kind == "fill_choice")
    assert [c.key for c in township_workbook.fill_columns()] == list(township_workbook.answer_keys())
    with pytest.raises(KeyError, match="no workbook column 'nope'"):
        township_workbook.column("nope")
    assert replace(township_workbook.column("note"), kind="text").filled_by_township is False
