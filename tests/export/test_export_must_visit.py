"""Must-visit notice (issue 7): monitored households with no grid visit this month, in the township workbook."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from export_cases import DUE, PERIOD, make_warnings
from test_export_township import INJECTIONS, assert_no_formulas, sheet_rows

from pipelines.export import (
    META_SHEET,
    UNVISITED_SHEET,
    MissingColumnsError,
    TownshipMismatchError,
    monthly_unvisited,
    write_township_workbook,
)
from pipelines.export.errors import ExportError

UNVISITED_HEADERS = ["序号", "行政村", "村民小组", "户编号", "户主姓名", "监测对象类别", "网格", "网格员"]


def make_unvisited(*rows: dict[str, str | None]) -> pl.DataFrame:
    defaults = {"township": "小河镇", "village": "小河村", "group": "1组", "head_name": "李四",
                "monitoring_type": "边缘易致贫户", "grid": "小河村第1网格", "grid_worker": "周网格"}  # fmt: skip
    schema = dict.fromkeys(("household_id", *defaults), pl.String)
    return pl.DataFrame([{**defaults, **r} for r in rows], schema=schema)


@pytest.fixture
def unvisited() -> pl.DataFrame:
    return make_unvisited(
        {"household_id": "M10", "group": "10组"},
        {"household_id": "M2", "village": "大田村", "head_name": "钱七", "monitoring_type": "脱贫不稳定户"},
        {"household_id": "M3", "group": "2组", "head_name": "孙八"},
        {
            "household_id": "M3",
            "group": "2组",
            "head_name": "孙八",
        },  # a duplicate row: one household, one line
    )


def write(tmp_path: Path, warnings: pl.DataFrame, rules: pl.DataFrame, name: str = "t.xlsx", **kw) -> Path:
    return write_township_workbook(tmp_path / name, "小河镇", PERIOD, warnings, rules, due_date=DUE, **kw)


def cover_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["填写说明"]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


def meta_rows(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[META_SHEET].iter_rows(values_only=True))


def test_sheet_lists_the_households_in_natural_order(tmp_path, warnings, rules, unvisited):
    path = write(tmp_path, warnings, rules, unvisited=unvisited)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == [UNVISITED_SHEET, META_SHEET]
    assert [c.value for c in wb[UNVISITED_SHEET][1]] == UNVISITED_HEADERS
    rows = sheet_rows(path, UNVISITED_SHEET)
    assert [(r["序号"], r["行政村"], r["村民小组"], r["户编号"]) for r in rows] == [
        (1, "大田村", "1组", "M2"),
        (2, "小河村", "2组", "M3"),  # 2组 before 10组
        (3, "小河村", "10组", "M10"),
    ]
    assert rows[0]["户主姓名"] == "钱七" and rows[0]["监测对象类别"] == "脱贫不稳定户"
    assert rows[0]["网格"] == "小河村第1网格" and rows[0]["网格员"] == "周网格"

    text = cover_text(path)
    assert "尚有 3 户监测户无走访记录" in text and "请在本月内补访" in text


def test_sheet_is_print_ready(tmp_path, warnings, rules, unvisited):
    ws = openpyxl.load_workbook(write(tmp_path, warnings, rules, unvisited=unvisited))[UNVISITED_SHEET]
    assert ws.freeze_panes == "A2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows in ("1:1", "$1:$1")
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert "不得外传" in ws.oddFooter.left.text
    assert ws.column_dimensions["D"].width >= 17  # a 16-digit household id is not cut
    assert ws.cell(2, 4).data_type == "s"


def test_no_ledger_says_so_instead_of_listing_everyone(tmp_path, warnings, rules):
    path = write(tmp_path, warnings, rules)  # unvisited=None: no visit ledger was received
    ws = openpyxl.load_workbook(path)[UNVISITED_SHEET]
    assert [c.value for c in ws[1]] == UNVISITED_HEADERS
    assert "本期未收到网格走访台账" in ws["A2"].value
    assert ws.max_row == 2
    text = cover_text(path)
    assert "本期未收到网格走访台账" in text and "尚有" not in text


def test_all_visited(tmp_path, warnings, rules, unvisited):
    path = write(tmp_path, warnings, rules, unvisited=unvisited.clear())
    ws = openpyxl.load_workbook(path)[UNVISITED_SHEET]
    assert "均已有走访记录" in ws["A2"].value and ws.max_row == 2
    assert "监测户均已有走访记录" in cover_text(path)


def test_refuses_households_of_another_township(tmp_path, warnings, rules, unvisited):
    mixed = pl.concat(
        [unvisited, make_unvisited({"household_id": "K900", "township": "横渡镇"},
                                   {"household_id": "K901", "township": None})]
    )  # fmt: skip
    with pytest.raises(TownshipMismatchError) as info:
        write(tmp_path, warnings, rules, unvisited=mixed)
    assert info.value.household_ids == ["K900", "K901"]
    assert "unvisited household" in str(info.value) and "M2" not in str(info.value)
    assert not (tmp_path / "t.xlsx").exists()


def test_refuses_rows_without_household_or_columns(tmp_path, warnings, rules, unvisited):
    with pytest.raises(ExportError, match="without household_id"):
        write(tmp_path, warnings, rules, unvisited=make_unvisited({"household_id": " "}))
    with pytest.raises(MissingColumnsError, match="township"):
        write(tmp_path, warnings, rules, unvisited=unvisited.drop("township"))


@pytest.mark.parametrize("payload", INJECTIONS)
def test_formula_safe(tmp_path, warnings, rules, payload):
    hostile = make_unvisited(
        {"household_id": "M1", "village": payload, "group": payload, "head_name": payload, "grid": payload,
         "grid_worker": payload, "monitoring_type": payload}
    )  # fmt: skip
    path = write(tmp_path, warnings, rules, unvisited=hostile)
    assert_no_formulas(path)
    row = pl.read_excel(path, sheet_name=UNVISITED_SHEET, engine="calamine").row(0, named=True)
    assert row["户主姓名"] == payload and row["网格员"] == payload


def test_byte_stable_and_meta_unchanged(tmp_path, warnings, rules, unvisited):
    a = write(tmp_path, warnings, rules, name="a.xlsx", unvisited=unvisited)
    b = write(tmp_path, warnings.reverse(), rules, name="b.xlsx", unvisited=unvisited.reverse())
    assert a.read_bytes() == b.read_bytes()
    # the hidden sheet the feedback import trusts is the same with or without the notice
    assert meta_rows(a) == meta_rows(write(tmp_path, warnings, rules, name="c.xlsx"))


def test_feedback_import_accepts_the_workbook(tmp_path, rules, unvisited):
    """Round trip through pipelines.feedback: the extra sheet changes nothing for the import."""
    from pipelines.feedback import import_feedback
    from pipelines.feedback.workbook import read_returned_workbook
    from pipelines.warehouse import connect

    con = connect(":memory:")
    con.execute("""CREATE OR REPLACE TABLE core.households AS SELECT * FROM (VALUES
        ('H1', '小河镇', '桃源村', '1组', '脱贫户', NULL, 'poverty_exit', '张三'))
        t(household_id, township, village, "group", household_type, monitoring_type, segment, head_name)""")
    con.execute("""CREATE OR REPLACE TABLE core.persons AS SELECT * FROM (VALUES
        ('P1', 'H1', '张三', '341722199001011235')) t(person_id, household_id, name, id_number)""")
    con.execute("CREATE SCHEMA IF NOT EXISTS warn")
    warnings = make_warnings({"warning_id": "W1", "household_id": "H1", "village": "桃源村"})
    con.register("w", warnings.to_arrow())
    con.execute("CREATE OR REPLACE TABLE warn.warnings AS SELECT * FROM w")
    path = write(tmp_path, warnings, rules, unvisited=unvisited)

    returned = read_returned_workbook(path)
    assert returned.sheet == "预警核实表" and set(returned.visits) == {f"{PERIOD}-H1"}
    wb = openpyxl.load_workbook(path)
    ws = wb["预警核实表"]
    cols = {c.value: c.column for c in ws[1]}
    for header, value in (("核实结果", "无风险"), ("核实情况说明", "入户核实"), ("核实人", "刘干部"),
                          ("核实日期", datetime(2026, 5, 20)), ("乡镇审核人", "陈审核")):  # fmt: skip
        ws.cell(2, cols[header]).value = value
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    [report] = import_feedback(con, [filled], period=PERIOD, today=date(2026, 5, 25))
    assert (report.status, report.applied, report.rejected) == ("imported", 1, 0), report.issues
    con.close()


# --- monthly_unvisited: from the warehouse ---------------------------------------------------------


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA core; CREATE SCHEMA link")
    con.execute("""CREATE TABLE core.households AS SELECT * FROM (VALUES
        ('M1', '小河镇', '小河村', '1组', 'monitored', '边缘易致贫户', '张一', '第1网格', '周网格'),
        ('M2', '小河镇', '小河村', '2组', 'monitored', '脱贫不稳定户', '张二', '第1网格', '周网格'),
        ('M3', '小河镇', '大田村', '1组', 'monitored', '突发严重困难户', '张三', '第2网格', '吴网格'),
        ('O1', '小河镇', '小河村', '1组', 'ordinary', NULL, '张四', '第1网格', '周网格'),
        ('K1', '横渡镇', '横渡村', '1组', 'monitored', '边缘易致贫户', '赵一', '第9网格', '郑网格'))
        t(household_id, township, village, "group", segment, monitoring_type, head_name, grid, grid_worker)""")
    return con


def add_ledger(con, *visits: tuple[str | None, date]) -> None:
    con.execute("""CREATE OR REPLACE TABLE link.facts_grid_ledger (event_date DATE, grid VARCHAR,
        grid_worker VARCHAR, household_id VARCHAR, risk_found VARCHAR, finding VARCHAR)""")
    for household, day in visits:
        con.execute("INSERT INTO link.facts_grid_ledger VALUES (?, '第1网格', '周网格', ?, '否', '正常')",
                    [day, household])  # fmt: skip


def test_monthly_unvisited_from_the_warehouse(warehouse):
    add_ledger(
        warehouse,
        ("M1", date(2026, 5, 3)),
        ("M2", date(2026, 4, 30)),  # last month: does not count
        (None, date(2026, 5, 9)),  # an unmatched ledger row: no household
        ("K1", date(2026, 5, 4)),
    )
    frame = monthly_unvisited(warehouse, "小河镇", PERIOD)
    assert frame is not None
    assert sorted(frame.get_column("household_id").to_list()) == [
        "M2",
        "M3",
    ]  # ordinary O1 is not a must-visit
    assert set(frame.get_column("township").to_list()) == {"小河镇"}
    assert frame.filter(pl.col("household_id") == "M3").row(0, named=True) == {
        "township": "小河镇", "village": "大田村", "group": "1组", "household_id": "M3", "head_name": "张三",
        "monitoring_type": "突发严重困难户", "grid": "第2网格", "grid_worker": "吴网格",
    }  # fmt: skip
    assert monthly_unvisited(warehouse, "横渡镇", PERIOD).height == 0


def test_monthly_unvisited_without_a_ledger_is_none(warehouse):
    assert monthly_unvisited(warehouse, "小河镇", PERIOD) is None  # the table does not exist
    add_ledger(warehouse)
    assert monthly_unvisited(warehouse, "小河镇", PERIOD) is None  # no ledger rows at all
    add_ledger(warehouse, ("K1", date(2026, 5, 4)), ("M1", date(2026, 4, 4)))
    # another township's ledger arrived, this one's did not (nothing of it dated this month)
    assert monthly_unvisited(warehouse, "小河镇", PERIOD) is None
