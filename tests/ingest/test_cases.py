"""The bad-input corpus (tests/ingest/cases/, made by make_cases.py): one file per way a department
file goes wrong, each with what ingest must do with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.ingest.inbox import ingest_paths
from pipelines.ingest.loader import FileAccount
from pipelines.warehouse import connect

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    description: str
    file: str
    source: str | None
    status: str
    category: str = ""
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)
    """read, loaded, quarantined, ignored."""
    quarantine: tuple[tuple[int, str, str], ...] = ()
    """(row_no, column, substring of the Chinese reason) for every quarantine line."""
    ignored: tuple[tuple[int, str], ...] = ()
    """(row_no, reason prefix)."""
    message_has: tuple[str, ...] = ()
    detected: str | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "csv quoted comma and line break: the next record keeps its physical line number",
        "csv_quoted_multiline.csv",
        "medical_insurance",
        "loaded",
        counts=(3, 2, 1, 0),
        quarantine=((6, "settle_date", "日期无法识别"),),
    ),
    Case(
        "GBK csv with title, blank, totals and note rows",
        "gbk_civil_affairs.csv",
        "civil_affairs",
        "loaded",
        counts=(7, 2, 2, 3),
        quarantine=((5, "", "至少填一项"), (6, "event_date", "日期无法识别")),
        ignored=((7, "空行"), (8, "合计行"), (9, "表尾说明")),
    ),
    Case(
        "web-system .xls that is an HTML table (GBK) with a two-row merged header",
        "web_export.xls",
        "medical_insurance",
        "loaded",
        counts=(3, 2, 0, 1),  # 个人自付 五百 loads as unknown (null), reported, not quarantined
        ignored=((6, "合计行"),),
        extra={"unknown_values": {"out_of_pocket": {"五百": 1}}},
    ),
    Case(
        "legacy BIFF .xls read with calamine, totals row ignored",
        "legacy.xls",
        "medical_insurance",
        "loaded",
        counts=(3, 2, 0, 1),
        ignored=((5, "合计行"),),
    ),
    Case(
        "legacy .xls with a title row and an ID stored as a number (flagged via xlrd; see test_loader)",
        "legacy_numeric_id.xls",
        "medical_insurance",
        "loaded",
        counts=(3, 3, 0, 0),
    ),
    Case(
        "xlsx two-row header, datetime cells, serial date, 万 amounts, numeric ID cell",
        "two_row_header.xlsx",
        "medical_insurance",
        "loaded",
        counts=(4, 4, 0, 0),
        extra={"unknown_values": {"out_of_pocket": {"无": 1}}},
    ),
    Case(
        "several sheets: both data sheets loaded, instructions/hidden/empty sheets reported",
        "multi_sheet.xlsx",
        "medical_insurance",
        "loaded",
        counts=(3, 3, 0, 0),  # a claim without 结算日期 loads: it is dated by its delivery (facts.py)
        extra={"sheets_ignored": {"填表说明", "旧表", "空白"}},
    ),
    Case(
        "ID problems load: wrong check digit, masked, 15 digits, missing, lowercase x",
        "ids.csv",
        "medical_insurance",
        "loaded",
        counts=(5, 5, 0, 0),
        extra={"id_problems": {"missing": 1, "legacy15": 1, "bad_check": 1, "damaged": 0, "masked": 1}},
    ),
    Case(
        "a name column but no ID column loads",
        "name_only.csv",
        "civil_affairs",
        "loaded",
        counts=(2, 2, 0, 0),
    ),
    Case(
        "tab-separated GBK text named .xls",
        "tab_export.xls",
        "hrss",
        "loaded",
        counts=(2, 2, 0, 0),  # an event word the vocabulary lacks loads as unknown, listed in the report
    ),
    Case(
        "no folder: the source is told from the headers",
        "vehicles_no_folder.csv",
        None,
        "loaded",
        counts=(1, 1, 0, 0),
        detected="vehicles",
    ),
    Case(
        "headers that fit no source",
        "unknown_source.csv",
        None,
        "refused",
        "unknown_source",
        message_has=("unknown_source.csv", "unknown source"),
    ),
    Case(
        "a required column missing: named, with the closest header and what was found",
        "missing_columns.csv",
        "medical_insurance",
        "refused",
        "missing_columns",
        message_has=("missing_columns.csv", "个人自付", "closest header found: '个人负担比例'"),
    ),
    Case("zero bytes", "empty.csv", "health", "refused", "empty_file", message_has=("empty.csv",)),
    Case("only blank lines", "blank_lines.csv", "health", "refused", "empty_file"),
    Case("truncated xlsx", "corrupt.xlsx", "health", "refused", "unreadable", message_has=("corrupt.xlsx",)),
    Case(
        "password-protected workbook (OLE2 EncryptedPackage)",
        "encrypted.xlsx",
        "health",
        "refused",
        "password_protected",
        message_has=("encrypted.xlsx", "password"),
    ),
]


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


def ingest_case(con, case: Case) -> FileAccount:
    [account] = ingest_paths(con, [CASES_DIR / case.file], case.source, period="2026-11")
    return account


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_case(con, case: Case):
    a = ingest_case(con, case)
    d = case.description
    assert (a.status, a.category) == (case.status, case.category), f"{d}: {a.message}"
    assert (a.rows_read, a.rows_loaded, a.rows_quarantined, a.rows_ignored) == case.counts, d
    assert a.balanced, d
    assert "\n" not in a.message, d
    for text in case.message_has:
        assert text in a.message, f"{d}: {text!r} not in {a.message!r}"
    if case.detected:
        assert a.source == case.detected, d
    quarantine = con.sql(
        "SELECT row_no, column_name, reason_zh FROM quarantine.rows ORDER BY row_no"
    ).fetchall()
    assert len(quarantine) == len(case.quarantine), f"{d}: {quarantine}"
    for (row_no, column, reason), want in zip(quarantine, case.quarantine, strict=True):
        assert (row_no, column) == want[:2] and want[2] in reason, f"{d}: {quarantine}"
    ignored = con.sql("SELECT row_no, reason FROM meta.ignored ORDER BY row_no").fetchall()
    assert [(r, why.split(" | ")[0]) for r, why in ignored] == list(case.ignored), d
    if "sheets_ignored" in case.extra:
        assert set(a.sheets_ignored) == case.extra["sheets_ignored"], d
    if "unknown_values" in case.extra:
        assert a.unknown_values == case.extra["unknown_values"], d
    if "id_problems" in case.extra:
        assert a.id_problems == case.extra["id_problems"], d
    batch = con.sql("SELECT status, category, rows_read FROM meta.batches").fetchall()
    assert batch == [(case.status, case.category, case.counts[0])], d


def test_typed_values_from_excel_cells(con):
    ingest_case(con, next(c for c in CASES if c.file == "two_row_header.xlsx"))
    rows = con.sql(
        "SELECT row_no, name, settle_date::VARCHAR, total_cost, out_of_pocket, id_damaged"
        " FROM raw.medical_insurance ORDER BY row_no"
    ).fetchall()
    assert rows == [
        (4, "张三", "2026-11-03", 1000.0, 300.0, False),
        (5, "李四", "2026-11-04", 2000.0, 500.0, True),  # datetime cell; ID stored as a number
        (6, "王五", "2026-11-05", 12000.0, 3000.0, False),  # serial date 46331; 1.2万
        (7, "赵六", "2026-11-06", 500.0, None, False),  # 个人自付 无: loaded as unknown, reported
    ]


def test_html_export_header_and_values(con):
    ingest_case(con, next(c for c in CASES if c.file == "web_export.xls"))
    assert con.sql(
        "SELECT name, total_cost, reimbursed, out_of_pocket FROM raw.medical_insurance"
    ).fetchall() == [("张三", 1000.0, 700.0, 300.0), ("李 四", 2000.0, 1500.0, None)]


def test_masked_id_is_never_used_to_match():
    import polars as pl

    from pipelines.normalize.idcard import id_columns

    out = pl.DataFrame({"id": ["341722********1234"]}).select(id_columns(pl.col("id")))
    assert out.row(0) == (None, "masked")  # no normalised ID: the matcher has nothing to join on


def test_every_case_file_is_in_the_table():
    files = {p.name for p in CASES_DIR.iterdir() if p.name != "make_cases.py" and not p.name.startswith(".")}
    assert files == {c.file for c in CASES}
