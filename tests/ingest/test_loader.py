from pathlib import Path

import pytest
import xlsxwriter

from pipelines.ingest.header import HeaderError, find_header
from pipelines.ingest.inbox import ingest_paths
from pipelines.ingest.loader import load_file
from pipelines.ingest.readers import detect_encoding, read_any
from pipelines.warehouse import connect
from schemas import get_source

GOOD_ID = "341722199001011235"


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


def write_gbk_csv(path: Path) -> Path:
    lines = [
        "石台县民政局2026年11月救助名单",
        "救助对象姓名,身份证号码,救助类别,审批日期,发放金额",
        f'张三,{GOOD_ID},低保,2026/11/3,"1,200"',
        "李四,,特困,2026年11月5日,800元",
        ",,临时救助,2026-11-06,300",  # nobody: quarantined
        "王五,341722199202021234,低保,not a date,100",  # bad date: quarantined
        ",,,,",
        "合计,,,,2400",
        "注：数据截至11月30日",
    ]
    path.write_bytes("\n".join(lines).encode("gbk"))
    return path


def test_gbk_csv_with_title_totals_and_notes_is_fully_accounted(con, tmp_path):
    path = write_gbk_csv(tmp_path / "民政.csv")
    assert detect_encoding(path.read_bytes()) == "gb18030"
    account = load_file(con, path, "civil_affairs", "2026-11")
    assert account.status == "loaded"
    assert (account.rows_read, account.rows_loaded, account.rows_quarantined, account.rows_ignored) == (
        7,
        2,
        2,
        3,
    )
    assert account.balanced
    loaded = con.sql(
        "SELECT name, programme, event_date::VARCHAR, amount, row_no FROM raw.civil_affairs ORDER BY row_no"
    ).fetchall()
    assert loaded == [("张三", "低保", "2026-11-03", 1200.0, 3), ("李四", "特困", "2026-11-05", 800.0, 4)]
    reasons = con.sql(
        "SELECT row_no, column_name, value, reason_zh FROM quarantine.rows ORDER BY row_no"
    ).fetchall()
    assert reasons[0][0] == 5 and "至少填一项" in reasons[0][3]
    assert reasons[1] == (6, "event_date", "not a date", "办理日期：日期无法识别")
    ignored = con.sql("SELECT row_no, reason FROM meta.ignored ORDER BY row_no").fetchall()
    assert [r[0] for r in ignored] == [7, 8, 9]
    assert ignored[1][1].startswith("合计行")


def test_same_file_twice_is_skipped_and_not_duplicated(con, tmp_path):
    path = write_gbk_csv(tmp_path / "民政.csv")
    load_file(con, path, "civil_affairs", "2026-11")
    again = load_file(con, path, "civil_affairs", "2026-11")
    assert again.status == "skipped"
    assert again.rows_loaded == 2  # the stored account, for the run summary
    assert con.sql("SELECT count(*) FROM raw.civil_affairs").fetchall()[0][0] == 2


def test_xlsx_numeric_id_cell_is_flagged_damaged(con, tmp_path):
    path = tmp_path / "医保.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("结算")
    ws.write_row(0, 0, ["参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"])
    ws.write_row(1, 0, ["张三", GOOD_ID, "2026-11-03", "100", "50"])
    ws.write_row(2, 0, ["李四", None, "2026-11-04", "200", "80"])
    ws.write_number(2, 1, 341722199001011235)
    wb.close()
    account = load_file(con, path, "medical_insurance", "2026-11")
    assert account.rows_loaded == 2
    flags = con.sql("SELECT name, id_damaged FROM raw.medical_insurance ORDER BY row_no").fetchall()
    assert flags == [("张三", False), ("李四", True)]


def test_file_without_a_header_is_refused_with_a_reason(con, tmp_path):
    path = tmp_path / "乱.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    account = load_file(con, path, "health", "2026-11")
    assert (account.status, account.category) == ("refused", "no_header")
    assert "no header row" in account.message and str(path) in account.message
    assert con.sql("SELECT status, category FROM meta.batches").fetchall() == [("refused", "no_header")]


def test_missing_required_column_names_the_accepted_headers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("姓名,身份证号,结算日期,总费用\n张三,1,2026-10-01,2\n", encoding="utf-8")
    grid = read_any(path)[0].grid
    with pytest.raises(HeaderError, match="个人自付"):
        find_header(grid, get_source("medical_insurance"), str(path))


def test_header_aliases_with_units_and_full_width_brackets(tmp_path):
    path = tmp_path / "y.csv"
    path.write_text(
        "姓名,身份证号,灾害类型,受灾日期,直接经济损失（元）\n张三,1,洪涝,2026-11-01,5000\n", encoding="utf-8"
    )
    header = find_header(read_any(path)[0].grid, get_source("emergency"), str(path))
    assert sorted(header.columns.values()) == ["disaster_type", "event_date", "id_number", "loss", "name"]


def test_legacy_xls_numeric_id_cell_is_flagged_damaged(con):
    # Made with LibreOffice from an xlsx whose row 4 holds the ID as a number (committed: no .xls writer here).
    path = Path(__file__).parent / "cases" / "legacy_numeric_id.xls"
    account = load_file(con, path, "medical_insurance", "2026-11")
    assert account.status == "loaded" and account.rows_loaded == 3
    flags = con.sql("SELECT row_no, name, id_damaged FROM raw.medical_insurance ORDER BY row_no").fetchall()
    assert flags == [(3, "张三", False), (4, "李四", True), (5, "王五", False)]


def test_a_wide_file_loads_and_totals_rows_in_any_of_the_first_three_cells_are_ignored(tmp_path):
    """300 columns (the row classifier used to grow with the square of the column count)."""
    path = tmp_path / "wide.csv"
    head = ["姓名", "身份证号", "结算日期", "个人自付", *(f"列{i}" for i in range(296))]
    rows = [
        ["张三", "341722199001011235", "2026-10-01", "100", *["x"] * 296],
        ["", "", "合 计", "100", *[""] * 296],
        ["注：数据截至10月底", *[""] * 299],
    ]
    path.write_text("\n".join(",".join(r) for r in [head, *rows]) + "\n", encoding="utf-8")
    with connect(":memory:") as con:
        [a] = ingest_paths(con, [path], "medical_insurance", period="2026-10")
    assert (a.status, a.rows_read, a.rows_loaded, a.rows_ignored) == ("loaded", 3, 1, 2)
    assert set(a.ignored_reasons) == {"合计行 | totals row", "表尾说明 | note under the table"}
