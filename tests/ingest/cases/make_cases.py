"""Write the bad-input corpus: `python tests/ingest/cases/make_cases.py` (outputs are committed).

Every file is small and deterministic (xlsxwriter with a fixed created date). legacy.xls is a real BIFF8
workbook made once with xlwt (not a project dependency) and committed as is; this script does not touch it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from pipelines.normalize.idcard import check_char  # noqa: E402


def valid_id(first17: str) -> str:
    return first17 + check_char(first17)


ID_A = valid_id("34172219900101123")
ID_B = valid_id("34172219850505432")
ID_C = valid_id("34172220100909001")
BAD_CHECK = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
MASKED = "341722********1234"
ID15 = "341722850505432"


def _workbook(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": datetime(2000, 1, 1)})
    return wb


def write_all(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    # CSV, UTF-8: a quoted amount with a comma and a diagnosis with a line break inside quotes
    (out / "csv_quoted_multiline.csv").write_text(
        "石台县医保局2026年11月结算明细\n"
        "参保人姓名,公民身份号码,结算日期,疾病诊断,总费用,个人负担\n"
        f'张三,{ID_A},2026-11-03,"高血压\n2级","1,200.50",300\n'
        f"李四,{ID_B},2026/11/4,糖尿病,800,200\n"
        f"王五,{ID_C},2026-13-45,肺炎,500,100\n",
        encoding="utf-8",
    )

    # GBK CSV: title, blank row, totals row, note under the table
    lines = [
        "石台县民政局2026年11月救助名单",
        "救助对象姓名,身份证号码,救助类别,审批日期,发放金额",
        f'张三,{ID_A},低保,2026/11/3,"1,200"',
        "李四,,特困,2026年11月5日,800元",
        ",,临时救助,2026-11-06,300",
        f"王五,{ID_B},低保,不详,100",
        ",,,,",
        "合计,,,,2400",
        "注：数据截至11月30日",
    ]
    (out / "gbk_civil_affairs.csv").write_bytes("\r\n".join(lines).encode("gbk"))

    # the ".xls" a web system exports: an HTML table in GBK, a two-row header with merged cells
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body>'
        "<table border=1>"
        '<tr><td colspan="6">石台县医保局住院结算（系统导出）</td></tr>'
        '<tr><th rowspan="2">参保人姓名</th><th rowspan="2">公民身份号码</th><th rowspan="2">结算日期</th>'
        '<th colspan="3">费用情况</th></tr>'
        "<tr><th>总费用</th><th>报销金额</th><th>个人自付</th></tr>"
        f"<tr><td>张三</td><td>{ID_A}</td><td>2026-11-03</td><td>1,000.00</td><td>700</td><td>300</td></tr>"
        f"<tr><td>李&nbsp;四</td><td>{ID_B}</td><td>2026.11.04</td><td>2000</td><td>1500</td><td>五百</td></tr>"
        "<tr><td>合计</td><td></td><td></td><td>3000</td><td>2200</td><td>800</td></tr>"
        "</table></body></html>"
    )
    (out / "web_export.xls").write_bytes(html.encode("gbk"))

    # XLSX: title row, two-row header (费用情况 merged over 总费用/个人自付; 姓名 merged down, blank
    # below), a date cell, a datetime cell, an Excel serial number, a numeric ID cell (digits lost)
    wb = _workbook(out / "two_row_header.xlsx")
    ws = wb.add_worksheet("结算")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, 4, "石台县医保局2026年11月结算明细")
    ws.merge_range(1, 0, 2, 0, "参保人姓名")
    ws.merge_range(1, 1, 2, 1, "公民身份号码")
    ws.merge_range(1, 2, 2, 2, "结算日期")
    ws.merge_range(1, 3, 1, 4, "费用情况")
    ws.write_string(2, 3, "总费用")
    ws.write_string(2, 4, "个人自付")
    ws.write_string(3, 0, "张三")
    ws.write_string(3, 1, ID_A)
    ws.write_datetime(3, 2, datetime(2026, 11, 3), date_fmt)
    ws.write_number(3, 3, 1000)
    ws.write_number(3, 4, 300)
    ws.write_string(4, 0, "李四")
    ws.write_number(4, 1, float(ID_B))
    ws.write_datetime(4, 2, datetime(2026, 11, 4, 9, 30), wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
    ws.write_number(4, 3, 2000)
    ws.write_number(4, 4, 500)
    ws.write_string(5, 0, "王五")
    ws.write_string(5, 1, ID_C)
    ws.write_number(5, 2, 46331)  # serial date typed as a number: 2026-11-05
    ws.write_string(5, 3, "1.2万")
    ws.write_string(5, 4, "3000")
    ws.write_string(6, 0, "赵六")
    ws.write_string(6, 1, ID_A)
    ws.write_string(6, 2, "2026-11-06")
    ws.write_string(6, 3, "500")
    ws.write_string(6, 4, "无")
    wb.close()

    # XLSX with several sheets: instructions, two data sheets, a hidden one, an empty one
    wb = _workbook(out / "multi_sheet.xlsx")
    notes = wb.add_worksheet("填表说明")
    notes.write_string(0, 0, "填表说明：每月5日前报送")
    notes.write_string(1, 0, "联系人：张科长")
    for name, rows in (
        ("10月", [("张三", ID_A, "2026-10-03", "1000", "300")]),
        ("11月", [("李四", ID_B, "2026-11-04", "2000", "500"), ("王五", "", "", "100", "10")]),
    ):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"])
        for i, r in enumerate(rows, start=1):
            ws.write_row(i, 0, list(r))
    hidden = wb.add_worksheet("旧表")
    hidden.write_row(0, 0, ["参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"])
    hidden.write_row(1, 0, ["赵六", ID_C, "2026-01-01", "1", "1"])
    hidden.hide()
    wb.add_worksheet("空白")
    wb.close()

    # ID problems: a wrong check digit (loads, the matcher can use it), masked, 15 digits, missing
    (out / "ids.csv").write_text(
        "参保人姓名,公民身份号码,结算日期,总费用,个人负担\n"
        f"张三,{BAD_CHECK},2026-11-03,100,50\n"
        f"李四,{MASKED},2026-11-03,100,50\n"
        f"王五,{ID15},2026-11-03,100,50\n"
        "赵六,,2026-11-03,100,50\n"
        f"孙七,{ID_C.lower()},2026-11-03,100,50\n",
        encoding="utf-8",
    )

    # a name column and no ID column
    (out / "name_only.csv").write_text(
        "姓名,救助类别,审批日期\n张三,低保,2026-11-03\n李四,特困,2026-11-04\n", encoding="utf-8"
    )

    # tab-separated text saved as .xls (another web-system export), GBK
    (out / "tab_export.xls").write_bytes(
        f"姓名\t身份证号\t业务类型\t登记日期\n张三\t{ID_A}\t失业登记\t2026-11-02\n李四\t{ID_B}\t辞职\t2026-11-03\n".encode(
            "gbk"
        )
    )

    # no folder, headers say vehicles
    (out / "vehicles_no_folder.csv").write_text(
        "号牌号码,车辆类型,机动车所有人,身份证明号码,初次登记日期\n"
        f"皖R12345,小型轿车,张三,{ID_A},2024-05-01\n",
        encoding="utf-8",
    )

    # whole-file failures
    (out / "unknown_source.csv").write_text("品名,数量,单价\n化肥,10,120\n", encoding="utf-8")
    (out / "missing_columns.csv").write_text(
        f"参保人姓名,公民身份号码,结算日,总费用,个人负担比例\n张三,{ID_A},2026-11-03,100,50%\n",
        encoding="utf-8",
    )
    (out / "empty.csv").write_bytes(b"")
    (out / "blank_lines.csv").write_text("\n\n  \n", encoding="utf-8")
    (out / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x00truncated workbook" * 4)
    # an encrypted XLSX: an OLE2 container whose directory names an EncryptedPackage stream
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016)
    ole += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 480
    (out / "encrypted.xlsx").write_bytes(bytes(ole))


if __name__ == "__main__":
    write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
