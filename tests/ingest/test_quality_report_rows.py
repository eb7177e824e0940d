"""问题行明细 of the department quality workbook: every problem row with its file, sheet, row number (as the
department counts it), the department's own column header, the value as sent (ID numbers masked), the
problem and how to fix it; only the department's own rows; the same warehouse gives the same bytes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from pipelines.ingest import quality_report
from pipelines.ingest.inbox import ingest_paths
from pipelines.ingest.quality_report import write_quality_reports
from pipelines.warehouse import connect

PERIOD = "2026-11"
HEADERS = ("文件", "工作表", "行号", "列", "原值", "问题", "如何修改")

GOOD_ID = "341722199001011235"
BAD_CHECK_ID = "341722199001011230"
NUMERIC_ID = 341722198505054322  # written as a number: Excel keeps 15 significant digits
OTHER_GOOD_ID = "341722197808080013"
LEGACY_ID = "341722850505432"
CIVIL_BAD_ID = "341722196606060037"  # check digit should be 6
FULL_IDS = (
    GOOD_ID,
    BAD_CHECK_ID,
    str(NUMERIC_ID),
    OTHER_GOOD_ID,
    CIVIL_BAD_ID,
    "34172219920202004X",
    "341722200103030029",
)

BAD_CHECK = ("身份证号校验位错误", "请核对身份证号第18位（校验码）及前17位是否录错")
DAMAGED = (
    "身份证号被Excel损坏（以数值保存，末几位已丢失）",
    "请将该列设为文本格式后重新导出，勿以数字保存身份证号",
)
MISSING = ("身份证号缺失", "请补填身份证号")
LEGACY = ("15位旧身份证号", "请更新为18位号码")
UNKNOWN = "取值不在词表中，无法识别（已入库，按“未知”处理）"


def _medical_xlsx(path: Path) -> Path:
    """A settlement workbook as a hospital system exports it: a title row, then the header on row 2."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("结算明细")
    ws.write_string(0, 0, "石台县医保局2026年11月结算明细")
    ws.write_row(
        1,
        0,
        ["结算单号", "参保人姓名", "公民身份号码", "结算日期", "出院日期", "医疗类别", "总费用", "个人负担"],
    )
    rows = [
        ["J01", "张三", GOOD_ID, "2026-11-03", "2026-11-02", "住院", "100", "50"],  # row 3: fine
        ["J02", "李四", BAD_CHECK_ID, "2026-11-03", "", "门诊", "100", "50"],  # row 4
        ["J03", "王五", None, "2026-11-03", "", "门诊", "100", "50"],  # row 5: ID as a number
        ["J04", "赵六", "", "2026-11-03", "", "门诊", "100", "50"],  # row 6: no ID
        ["J05", "孙七", LEGACY_ID, "2026-11-03", "", "门诊", "100", "50"],  # row 7
        ["J06", "周八", OTHER_GOOD_ID, "2026-11-03", "", "体检", "100", "50"],  # row 8: unknown word
        ["J07", "吴九", GOOD_ID, "11月的某天", "", "门诊", "100", "50"],  # row 9: date unreadable
        ["J08", "", "", "2026-11-03", "", "门诊", "100", "50"],  # row 10: nobody
        ["J09", "郑十", OTHER_GOOD_ID, "2026-11-05", "昨天", "门诊", "100", "50"],  # row 11: optional date
    ]
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row):
            if v is not None:
                ws.write_string(i, j, v)
    ws.write_number(4, 2, NUMERIC_ID)
    wb.close()
    return path


def _medical_csv(path: Path) -> Path:
    """A CSV saved from Excel after the ID column was turned into a number."""
    path.write_text(
        "就诊流水号,姓名,身份证号,结算时间,个人自付金额\nL01,钱一,3.41722E+17,2026-11-04,30\n",
        encoding="utf-8",
    )
    return path


def _civil_csv(path: Path) -> Path:
    path.write_text(
        "救助对象姓名,身份证号码,救助类别,审批日期,发放金额\n"
        f"冯二,{CIVIL_BAD_ID},低保,2026-11-03,800\n"
        "陈三,34172219920202004X,危房改造,2026-11-04,300\n"
        "褚四,341722200103030029,=1+1,2026-11-05,200\n",  # a word that looks like a formula
        encoding="utf-8",
    )
    return path


@pytest.fixture
def warehouse(tmp_path):
    files = {
        "xlsx": _medical_xlsx(tmp_path / "医保结算明细.xlsx"),
        "csv": _medical_csv(tmp_path / "医保补报.csv"),
        "civil": _civil_csv(tmp_path / "民政救助名单.csv"),
    }
    with connect(":memory:") as con:
        accounts = ingest_paths(con, [files["xlsx"], files["csv"]], "medical_insurance", period=PERIOD)
        accounts += ingest_paths(con, [files["civil"]], "civil_affairs", period=PERIOD)
        assert [a.status for a in accounts] == ["loaded"] * 3, [a.message for a in accounts]
        yield con, files


def _detail(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["文件汇总", "问题行明细"]
    rows = list(wb["问题行明细"].iter_rows(values_only=True))
    assert rows[0] == HEADERS
    return rows[1:]


def test_every_problem_row_is_listed_with_row_header_masked_value_and_fix(warehouse, tmp_path):
    con, files = warehouse
    paths = write_quality_reports(con, tmp_path / "out", PERIOD)
    medical = tmp_path / "out" / f"数据质量反馈_医疗保障局_{PERIOD}.xlsx"
    assert medical in paths
    xlsx, csv = str(files["xlsx"]), str(files["csv"])
    rows = _detail(medical)
    expected_xlsx = [
        (xlsx, "结算明细", 4, "公民身份号码", "341722********1230", *BAD_CHECK),
        (xlsx, "结算明细", 5, "公民身份号码", "341722********4272", *DAMAGED),
        (xlsx, "结算明细", 6, "公民身份号码", None, *MISSING),
        (xlsx, "结算明细", 7, "公民身份号码", "341722*****5432", *LEGACY),
        (
            xlsx,
            "结算明细",
            8,
            "医疗类别",
            "体检",
            UNKNOWN,
            "请使用规范取值（住院、门诊慢特病、门诊）或联系县局补充词表",
        ),
        (
            xlsx,
            "结算明细",
            9,
            "结算日期",
            "11月的某天",
            "结算日期：日期无法识别（该行未入库）",
            "请按 2026-10-05 的格式填写日期；更正后请重新报送该行",
        ),
        (
            xlsx,
            "结算明细",
            10,
            None,
            None,
            "身份证号或姓名至少填一项（该行未入库）",
            "请补填身份证号或姓名中的至少一项；更正后请重新报送该行",
        ),
        # the loader keeps only a count for an optional date it could not read: listed by value, no row
        (
            xlsx,
            "结算明细",
            None,
            "出院日期",
            "昨天",
            "无法识别为日期，已入库为空值（共1行，行号未记录）",
            "请按 2026-10-05 的格式填写日期；请在该列中查找此取值并逐一更正",
        ),
    ]
    expected_csv = [(csv, None, 2, "身份证号", "3.4172*E+17", *DAMAGED)]
    # sorted by file, then sheet and row: the CSV's path sorts before the workbook's
    expected = sorted([expected_csv, expected_xlsx], key=lambda part: part[0][0])
    assert rows == expected[0] + expected[1]


def test_no_full_id_number_anywhere_in_the_workbooks(warehouse, tmp_path):
    con, _ = warehouse
    paths = write_quality_reports(con, tmp_path / "out", PERIOD)
    assert len(paths) == 2
    for path in paths:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert not re.search(r"\d{17}[\dXx]", str(cell.value)), (path.name, ws.title, cell.value)
                    assert cell.data_type != "f", (path.name, ws.title, cell.value)
        with zipfile.ZipFile(path) as z:
            text = b"".join(z.read(n) for n in z.namelist())
        for full in FULL_IDS:
            assert full.encode() not in text, (path.name, full)


def test_only_the_departments_own_rows(warehouse, tmp_path):
    con, files = warehouse
    write_quality_reports(con, tmp_path / "out", PERIOD)
    medical = _detail(tmp_path / "out" / f"数据质量反馈_医疗保障局_{PERIOD}.xlsx")
    civil = _detail(tmp_path / "out" / f"数据质量反馈_民政局_{PERIOD}.xlsx")
    assert {r[0] for r in medical} == {str(files["xlsx"]), str(files["csv"])}
    assert civil == [
        (str(files["civil"]), None, 2, "身份证号码", "341722********0037", *BAD_CHECK),
        (
            str(files["civil"]),
            None,
            3,
            "救助类别",
            "危房改造",
            UNKNOWN,
            "请使用规范取值（低保、特困、临时救助、死亡、其他）或联系县局补充词表",
        ),
        (
            str(files["civil"]),
            None,
            4,
            "救助类别",
            "=1+1",
            UNKNOWN,
            "请使用规范取值（低保、特困、临时救助、死亡、其他）或联系县局补充词表",
        ),
    ]
    ws = openpyxl.load_workbook(tmp_path / "out" / f"数据质量反馈_民政局_{PERIOD}.xlsx")["问题行明细"]
    assert ws.cell(row=4, column=5).data_type == "s"  # text, never a formula


def test_same_warehouse_same_bytes(warehouse, tmp_path):
    con, _ = warehouse
    first = write_quality_reports(con, tmp_path / "a", PERIOD)
    second = write_quality_reports(con, tmp_path / "b", PERIOD)
    assert [p.name for p in first] == [p.name for p in second]
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_unchanged_rows_of_a_resend_are_counted_not_lost(tmp_path):
    """A cumulative resend stores only new rows: a bad ID on a row sent before is still reported, as a
    count for the file (the warehouse keeps no row number for it)."""
    first = tmp_path / "第一次" / "医保.csv"
    again = tmp_path / "第二次" / "医保.csv"
    first.parent.mkdir()
    again.parent.mkdir()
    header = "结算单号,参保人姓名,公民身份号码,结算日期,个人负担\n"
    old = f"J01,李四,{BAD_CHECK_ID},2026-11-03,50\n"
    first.write_text(header + old, encoding="utf-8")
    again.write_text(header + old + f"J02,张三,{GOOD_ID},2026-11-04,60\n", encoding="utf-8")
    with connect(":memory:") as con:
        ingest_paths(con, [first], "medical_insurance", period="2026-10")
        [a] = ingest_paths(con, [again], "medical_insurance", period=PERIOD)
        assert (a.rows_unchanged, a.rows_loaded) == (1, 1)
        write_quality_reports(con, tmp_path / "out", PERIOD)
    rows = _detail(tmp_path / "out" / f"数据质量反馈_医疗保障局_{PERIOD}.xlsx")
    assert len(rows) == 1
    file, sheet, row_no, column, value, problem, how = rows[0]
    assert (file, sheet, row_no, column, value) == (str(again), None, None, "公民身份号码", None)
    assert problem.startswith("身份证号校验位错误（另有1行未逐行列出")
    assert how.startswith(BAD_CHECK[1])


def test_a_long_list_is_capped_with_a_last_line_saying_how_many_more(warehouse, tmp_path, monkeypatch):
    con, _ = warehouse
    name = f"数据质量反馈_医疗保障局_{PERIOD}.xlsx"
    write_quality_reports(con, tmp_path / "full", PERIOD)
    full = _detail(tmp_path / "full" / name)
    assert len(full) == 9
    monkeypatch.setattr(quality_report, "MAX_DETAIL_ROWS", 3)
    write_quality_reports(con, tmp_path / "out", PERIOD)
    rows = _detail(tmp_path / "out" / name)
    assert len(rows) == 4
    assert rows[:3] == full[:3]  # the first three in the sheet's order
    note = rows[3][0]
    assert note.startswith("另有6个问题未列出（共9个，本表只列前3个）")
    assert "数据仓库" in note and "raw.medical_insurance" in note
    assert rows[3][1:] == (None,) * 6
