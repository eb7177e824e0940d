"""Township workbook: checked by structure and values read back with openpyxl, never by bytes
(except the explicit byte-stability test)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from export_cases import DUE, PERIOD, make_warnings

from pipelines.contracts import township_workbook
from pipelines.export import (
    META_SHEET,
    OUTCOME_VALUES,
    ExportError,
    MissingColumnsError,
    PeriodMismatchError,
    TownshipMismatchError,
    write_county_summary,
    write_township_workbook,
)
from pipelines.export.meta import fingerprint

EXPECTED_HEADERS = [
    # printed (A4 landscape, one page wide)
    "序号", "行政村", "村民小组", "户编号", "户主姓名", "户类型", "涉及成员", "预警原因", "预警等级", "预警依据",
    "核实结果", "核实情况说明", "核实人", "核实日期", "乡镇审核人",
    # on screen only
    "预警编号", "身份证号", "预警规则", "数据来源部门", "匹配依据",
]  # fmt: skip

INJECTIONS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "{=SUM(A1:A2)}",
    "http://evil.example/x",
]


def write(tmp_path: Path, warnings: pl.DataFrame, rules: pl.DataFrame, name: str = "t.xlsx", **kw) -> Path:
    return write_township_workbook(tmp_path / name, "小河镇", PERIOD, warnings, rules, due_date=DUE, **kw)


def sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def assert_no_formulas(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"


def test_sheets_and_headers(tmp_path, warnings, rules):
    path = write(tmp_path, warnings, rules)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填写说明", "预警核实表", "规则说明", "本月未走访监测户", META_SHEET]
    assert (
        [c.value for c in wb["预警核实表"][1]]
        == EXPECTED_HEADERS
        == [
            c.header
            for c in township_workbook.columns()
            if not c.when_present  # no contacts in these rows
        ]
    )
    assert [c.value for c in wb["规则说明"][1]] == [
        "规则编号",
        "预警原因",
        "规则名称",
        "说明",
        "预警等级",
        "数据来源部门",
        "阈值",
    ]
    assert wb.active.title == "预警核实表"


def test_one_row_per_household_sorted_with_grouped_hits(tmp_path, warnings, rules):
    rows = sheet_rows(write(tmp_path, warnings, rules), "预警核实表")
    assert [r["户编号"] for r in rows] == ["H010", "H001", "H002"]  # 大田村 < 小河村; 1组 < 10组
    assert [r["序号"] for r in rows] == [1, 2, 3]
    h001 = rows[1]
    assert h001["预警编号"] == f"{PERIOD}-H001"
    assert h001["预警原因"] == "因病、因学"
    assert h001["预警等级"] == "红色"
    assert h001["涉及成员"] == "张三、李四、张小三"
    assert h001["身份证号"] == "341722199001011234\n341722199203034321\n341722201001011111"
    assert h001["预警规则"].splitlines() == [
        "ILL-001 年内住院个人自付费用偏高",
        "SCH-001 义务教育阶段疑似辍学",
    ]
    assert len(h001["预警依据"].splitlines()) == 2
    assert h001["数据来源部门"] == "医疗保障局、教育局"
    assert "匹配度0.93" in h001["匹配依据"]
    assert rows[2]["户类型"] == "一般农户（突发严重困难户）"
    assert rows[2]["预警等级"] == "黄色"
    assert "连续预警" in rows[0]["预警规则"]
    for r in rows:  # the fill columns are empty
        assert all(r[h] is None for h in ("核实结果", "核实情况说明", "核实人", "核实日期", "乡镇审核人"))


def test_severity_cell_is_filled(tmp_path, warnings, rules):
    ws = openpyxl.load_workbook(write(tmp_path, warnings, rules))["预警核实表"]
    col = EXPECTED_HEADERS.index("预警等级") + 1
    colors = {ws.cell(r, col).value: ws.cell(r, col).fill.fgColor.rgb for r in (2, 3, 4)}
    assert colors == {"红色": "FFFF0000", "黄色": "FFFFFF00"}


def test_rules_sheet_lists_fired_rules_only(tmp_path, warnings, rules):
    rows = sheet_rows(write(tmp_path, warnings, rules), "规则说明")
    assert [r["规则编号"] for r in rows] == ["DIS-001", "ILL-001", "SCH-001"]
    assert rows[1]["阈值"] == "脱贫户 5000 元；一般农户 20000 元"
    assert rows[2]["预警等级"] == "黄色"


def test_rule_missing_from_rulebook_still_listed(tmp_path, warnings, rules):
    rows = sheet_rows(write(tmp_path, warnings, rules.filter(pl.col("rule_id") != "SCH-001")), "规则说明")
    sch = next(r for r in rows if r["规则编号"] == "SCH-001")
    assert sch["规则名称"] == "义务教育阶段疑似辍学"


def test_refuses_other_township_naming_households(tmp_path, warnings, rules):
    mixed = pl.concat(
        [warnings, make_warnings({"warning_id": "X1", "household_id": "H900", "township": "横渡镇"}),
         make_warnings({"warning_id": "X2", "household_id": "H901", "township": None})]
    )  # fmt: skip
    with pytest.raises(TownshipMismatchError) as info:
        write(tmp_path, mixed, rules)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "小河镇" in message and "H900" in message and "H901" in message
    assert "H001" not in message
    assert info.value.household_ids == ["H900", "H901"]
    assert not (tmp_path / "t.xlsx").exists()


def test_refuses_other_period(tmp_path, warnings, rules):
    other = make_warnings({"warning_id": "X1", "household_id": "H900", "period": "2026-04"})
    with pytest.raises(PeriodMismatchError, match="2026-04"):
        write(tmp_path, pl.concat([warnings, other]), rules)


def test_refuses_warning_without_household(tmp_path, warnings, rules):
    orphan = make_warnings({"warning_id": "X9", "household_id": None})
    with pytest.raises(ExportError, match="X9"):
        write(tmp_path, pl.concat([warnings, orphan]), rules)


def test_missing_column_is_named(tmp_path, warnings, rules):
    with pytest.raises(MissingColumnsError, match="evidence"):
        write(tmp_path, warnings.drop("evidence"), rules)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_no_formula_cells_whatever_the_data(tmp_path, rules, payload):
    hostile = make_warnings(
        {"warning_id": payload, "household_id": "H1", "village": payload, "group": payload, "head_name": payload,
         "person_names": f"{payload}、李四", "person_id_numbers": "341722199001011234、341722199203034321",
         "title": payload, "evidence": payload, "department": payload, "match_evidence": payload,
         "household_type": payload, "monitoring_type": payload},
    )  # fmt: skip
    path = write(tmp_path, hostile, rules)
    assert_no_formulas(path)
    # values via calamine: openpyxl leaves OOXML escapes such as _x000D_ (a CR) undecoded, Excel does not
    row = pl.read_excel(path, sheet_name="预警核实表", engine="calamine").row(0, named=True)
    assert row["户主姓名"] == payload  # the literal text comes back
    assert row["行政村"] == payload
    assert row["预警依据"] == f"ILL-001：{payload}"

    summary = write_county_summary(
        tmp_path / "s.xlsx", PERIOD, hostile,
        accounting=pl.DataFrame({"source": [payload], "department": [payload], "file": [payload], "rows_read": [1],
                                 "rows_loaded": [1], "rows_quarantined": [0], "rows_ignored": [0],
                                 "status_zh": [payload], "note": [payload]}),
        match_stats=pl.DataFrame({"source": [payload], "department": [payload], "rows": [1], "matched": [1],
                                  "ambiguous": [0], "unmatched": [0], "match_rate": [1.0]}),
    )  # fmt: skip
    assert_no_formulas(summary)


def test_id_numbers_are_text_and_masking(tmp_path, warnings, rules):
    plain = openpyxl.load_workbook(write(tmp_path, warnings, rules))["预警核实表"]
    col = EXPECTED_HEADERS.index("身份证号") + 1
    for r in range(2, plain.max_row + 1):
        assert plain.cell(r, col).data_type == "s"
        assert isinstance(plain.cell(r, col).value, str)
    assert plain.cell(2, col).value == "34172219800202567X"

    masked = sheet_rows(write(tmp_path, warnings, rules, name="m.xlsx", mask_ids=True), "预警核实表")
    assert masked[0]["身份证号"] == "341722********567X"
    assert masked[1]["身份证号"].splitlines() == [
        "341722********1234",
        "341722********4321",
        "341722********1111",
    ]
    cells = [v for r in masked for v in r.values() if isinstance(v, str)]
    assert not any("199001011234" in v for v in cells)


def test_numeric_looking_id_stays_exact(tmp_path, rules):
    w = make_warnings(
        {"warning_id": "W1", "household_id": "000123", "person_id_numbers": "341722199001071234"}
    )
    ws = openpyxl.load_workbook(write(tmp_path, w, rules))["预警核实表"]
    assert ws.cell(2, EXPECTED_HEADERS.index("身份证号") + 1).value == "341722199001071234"
    assert ws.cell(2, EXPECTED_HEADERS.index("户编号") + 1).value == "000123"


def test_validation_freeze_filter_print_and_unlocked_fill_columns(tmp_path, warnings, rules):
    ws = openpyxl.load_workbook(write(tmp_path, warnings, rules))["预警核实表"]
    validations = ws.data_validations.dataValidation
    lists = [dv for dv in validations if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(OUTCOME_VALUES) + '"'
    assert str(lists[0].sqref) == "K2:K4"
    dates = [dv for dv in validations if dv.type == "date"]
    assert len(dates) == 1 and dates[0].operator == "greaterThanOrEqual" and str(dates[0].sqref) == "N2:N4"
    assert ws.freeze_panes == "F2"
    assert ws.auto_filter.ref == "A1:T4"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4, what township printers take
    assert ws.print_title_rows in ("1:1", "$1:$1")
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.protection.sheet
    for header in ("核实结果", "核实情况说明", "核实人", "核实日期", "乡镇审核人"):
        col = EXPECTED_HEADERS.index(header) + 1
        assert ws.cell(2, col).protection.locked is False, header
        assert ws.cell(1, col).fill.fgColor.rgb != ws.cell(1, 1).fill.fgColor.rgb, header
    assert ws.cell(2, 2).protection.locked is True


def test_hidden_meta_sheet_lists_visits(tmp_path, warnings, rules):
    wb = openpyxl.load_workbook(write(tmp_path, warnings, rules))
    ws = wb[META_SHEET]
    assert ws.sheet_state in ("hidden", "veryHidden")
    rows = [tuple("" if v is None else v for v in r) for r in ws.iter_rows(min_row=2, values_only=True)]
    meta = {k: v for k, v, _ in rows if k != "visit"}
    assert meta["kind"] == "township_verification"
    assert meta["township"] == "小河镇" and meta["period"] == PERIOD
    assert not any("generated" in k for k in meta)
    visits = {v: w for k, v, w in rows if k == "visit"}
    assert visits == {f"{PERIOD}-H010": "W3", f"{PERIOD}-H001": "W1,W2", f"{PERIOD}-H002": "W4"}
    assert rows[-1][0] == "sha256" and rows[-1][1] == fingerprint(rows[:-1])
    assert not any("3417221990" in str(v) for r in rows for v in r)  # no ID numbers in the meta


def test_writing_twice_is_byte_identical(tmp_path, warnings, rules):
    a = write(tmp_path, warnings, rules, name="a.xlsx")
    b = write(tmp_path, warnings.reverse(), rules, name="b.xlsx")  # row order must not matter either
    assert a.read_bytes() == b.read_bytes()
    props = openpyxl.load_workbook(a).properties
    assert props.created.year == 2026 and props.created.month == 5 and props.created.day == 1


def test_empty_township(tmp_path, warnings, rules):
    path = write(tmp_path, warnings.clear(), rules)
    wb = openpyxl.load_workbook(path)
    cover = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "本期无预警" in cover
    assert [c.value for c in wb["预警核实表"][1]] == EXPECTED_HEADERS
    assert wb["规则说明"].max_row == 1
    assert [r[0] for r in wb[META_SHEET].iter_rows(min_row=2, values_only=True)].count("visit") == 0
    assert_no_formulas(path)


def test_cover_sheet_content(tmp_path, warnings, rules):
    ws = openpyxl.load_workbook(write(tmp_path, warnings, rules))["填写说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert ws["A1"].value == f"小河镇防返贫动态监测部门数据比对预警核实表（{PERIOD}）"
    assert "3 户、4 条预警" in text
    assert "2026-06-10" in text
    assert "不得外传" in text
    assert all(outcome in text for outcome in OUTCOME_VALUES)


def test_due_date_before_period_is_refused(tmp_path, warnings, rules):
    from datetime import date

    with pytest.raises(ValueError, match="due_date"):
        write_township_workbook(
            tmp_path / "x.xlsx", "小河镇", PERIOD, warnings, rules, due_date=date(2026, 4, 1)
        )


def _pixels(width: float) -> int:
    """Excel's on-screen width of a column of `width` characters (max digit width 7 px, Calibri 11)."""
    return int(width * 7 + 5)


@pytest.mark.parametrize(
    "contacts", [False, True], ids=["registry without contacts", "with 帮扶责任人/联系电话"]
)
def test_the_verification_sheet_prints_on_a4_one_page_wide_at_9_pt_or_more(
    tmp_path, warnings, rules, contacts
):
    """Effective printed size = the cells' font size x the fit-to-width scale, computed from the page setup
    written (paper, orientation, margins, print area) and the column widths written."""
    if contacts:
        warnings = warnings.with_columns(
            pl.lit("李帮扶").alias("helper"), pl.lit("13900001111").alias("helper_phone"),
            pl.lit("13800002222").alias("household_phone"),
        )  # fmt: skip
    path = write(tmp_path, warnings, rules)
    ws = openpyxl.load_workbook(path)["预警核实表"]
    setup = ws.page_setup
    assert setup.paperSize == 9 and setup.orientation == "landscape"
    # fitToWidth absent means 1 (ECMA-376 default); fitToHeight 0: as many pages down as needed
    assert (
        ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    )
    header = [c.value for c in ws[1]]
    assert ("帮扶责任人/联系电话" in header) is contacts
    # the print area: the columns a clerk needs on paper, from A to the last filled-in column
    area = str(ws.print_area).split("!")[-1].replace("$", "")
    first, last = area.split(":")
    assert first.rstrip("0123456789") == "A"
    last_col = openpyxl.utils.column_index_from_string(last.rstrip("0123456789"))
    printed = header[:last_col]
    assert printed[-5:] == ["核实结果", "核实情况说明", "核实人", "核实日期", "乡镇审核人"]
    assert {"户编号", "户主姓名", "预警原因", "预警依据"} <= set(printed) and "身份证号" not in printed
    # the paper's printable width (A4 landscape: 11.69 in) less the side margins, in pixels at 96 dpi
    printable = (11.69 - ws.page_margins.left - ws.page_margins.right) * 96
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, last_col + 1)]
    total = sum(_pixels(w) for w in widths)
    font = ws.cell(2, header.index("预警依据") + 1).font.sz
    effective = font * min(1.0, printable / total)
    assert effective >= 9, f"{effective:.2f} pt: {total} px of columns on {printable:.0f} px of paper"
    if contacts:
        row = dict(zip(header, next(ws.iter_rows(min_row=2, values_only=True)), strict=True))
        assert row["帮扶责任人/联系电话"].splitlines() == ["帮扶：李帮扶 13900001111", "户：13800002222"]


def test_every_printed_page_says_whose_list_it_is_and_when_it_is_due(tmp_path, warnings, rules):
    ws = openpyxl.load_workbook(write(tmp_path, warnings, rules))["预警核实表"]
    header = ws.oddHeader.center.text
    assert "小河镇预警核实表" in header and f"核实反馈截止：{DUE.isoformat()}" in header
