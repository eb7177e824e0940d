"""Hostile and faulty department files (issue 13): each is refused with a specific message or has its bad
row quarantined, memory stays bounded, and every row is counted — never a traceback."""

from __future__ import annotations

import resource
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import xlsxwriter

from pipelines.ingest import limits
from pipelines.ingest.loader import load_file
from pipelines.warehouse import connect

GOOD = "341722199001011235"
HEAD = "姓名,身份证号,个人自付,诊断\n"


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def small_limits(monkeypatch):
    """Limits a test can cross cheaply; the checks are the same code as the defaults'."""
    tight = limits.Limits(
        max_file_bytes=2_000_000,
        max_inflated_bytes=5_000_000,
        max_columns=50,
        max_rows=1_000,
        max_sheet_cells=20_000,
        max_cell_chars=10_000,
    )
    monkeypatch.setattr(limits, "current", lambda: tight)
    monkeypatch.setattr("pipelines.ingest.readers.current_limits", lambda: tight)
    monkeypatch.setattr("pipelines.ingest.loader.current_limits", lambda: tight)
    return tight


def _csv(path: Path, body: str) -> Path:
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _workbook(path: Path, rows: int = 2) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for c, h in enumerate(HEAD.strip().split(",")):
        ws.write_string(0, c, h)
    for r in range(1, rows):
        ws.write_string(r, 0, "张三")
        ws.write_string(r, 1, GOOD)
        ws.write_number(r, 2, 100)
    wb.close()
    return path


def _far_cell(path: Path) -> Path:
    """A tiny workbook with one cell far away: the reader would allocate the whole rectangle."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "姓名")
    ws.write_string(900, 45, "x")
    wb.close()
    return path


def _lying_zip(path: Path) -> Path:
    """A real workbook whose zip directory understates the sheet's size (the bomb check reads it)."""
    import struct

    data = bytearray(_workbook(path.with_name("seed2.xlsx"), rows=300).read_bytes())
    for sig, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        off = data.find(sig)
        while off >= 0:
            n = struct.unpack("<H", data[off + name_len_at : off + name_len_at + 2])[0]
            if bytes(data[off + name_at : off + name_at + n]) == b"xl/worksheets/sheet1.xml":
                data[off + size_at : off + size_at + 4] = struct.pack("<I", 100)
            off = data.find(sig, off + 4)
    path.write_bytes(bytes(data))
    return path


def _bomb(path: Path, inflate_to: int) -> Path:
    """A valid workbook whose sheet XML is padded with spaces: tiny zipped, large unzipped."""
    src = zipfile.ZipFile(_workbook(path.with_name("seed.xlsx")))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * inflate_to, 1)
            out.writestr(item.filename, data)
    return path


CASES = [
    # (name, make(tmp) -> path, status, category, (read, loaded, quarantined), message part)
    (
        "a cell longer than the cell limit quarantines its row, not the file",
        lambda t: _csv(t / "long.csv", f'张三,{GOOD},100,"{"病" * 20_000}"\n李四,,200,"肺炎 ""重症"""\n'),
        "loaded", "", (2, 1, 1), None,
    ),
    (
        "more columns than the limit",
        lambda t: _text(t / "wide.csv", ",".join(["姓名", "身份证号", "个人自付", *[f"列{i}" for i in range(60)]]) + "\n张三,1,2\n"),
        "refused", "too_large", (0, 0, 0), "too many columns: 63 > 50",
    ),
    (
        "more rows than the limit",
        lambda t: _csv(t / "long_list.csv", "".join(f"张{i},,{i}\n" for i in range(1_200))),
        "refused", "too_large", (0, 0, 0), "too many rows",
    ),
    (
        "a file over the size limit is refused before it is read",
        lambda t: _csv(t / "big.csv", "张三,,1," + "x" * 2_100_000 + "\n"),
        "refused", "too_large", (0, 0, 0), "file too large",
    ),
    (
        "one far cell: the used range is bounded before the reader allocates it",
        lambda t: _far_cell(t / "far.xlsx"),
        "refused", "too_large", (0, 0, 0), "too many cells: 41,446 > 20,000",
    ),
    (
        "a zip whose directory lies about a part's size is refused as damaged, not read",
        lambda t: _lying_zip(t / "lying.xlsx"),
        "refused", "unreadable", (0, 0, 0), "the zip is damaged",
    ),
    (
        "a line of a million commas is refused before a parser allocates a million columns",
        lambda t: _text(t / "commas.csv", "姓名,身份证号,个人自付" + "," * 1_000_000 + "\n张三,1,2\n"),
        "refused", "too_large", (0, 0, 0), "too many columns: 1,000,003 > 50",
    ),
    (
        "an ID number in a file name never appears whole in the account",
        lambda t: _text(t / f"王五{GOOD}.xlsx", "PK\x03\x04 not a zip"),
        "refused", "unreadable", (0, 0, 0), "王五341722********1235.xlsx",
    ),
    (
        "a zip bomb is refused from its directory, before anything is inflated",
        lambda t: _bomb(t / "bomb.xlsx", 6_000_000),
        "refused", "too_large", (0, 0, 0), "unzips to too many bytes",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("why", "make", "status", "category", "counts", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_hostile_file(con, tmp_path, small_limits, why, make, status, category, counts, message):
    path = make(tmp_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    account = load_file(con, path, "medical_insurance", "2026-11")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert (account.status, account.category) == (status, category), account
    assert (account.rows_read, account.rows_loaded + account.rows_changed, account.rows_quarantined) == counts
    assert account.balanced
    if message:
        assert message in account.message, account.message
        assert GOOD not in account.message and GOOD not in account.file
    assert grown_mb < 200, f"{why}: memory grew by {grown_mb:.0f} MB"


def test_a_million_character_cell_with_default_limits_quarantines_only_its_row(con, tmp_path):
    path = _csv(tmp_path / "huge.csv", f'张三,{GOOD},100,"{"x" * 1_000_000}"\n李四,,200,肺炎\n')
    account = load_file(con, path, "medical_insurance", "2026-11")
    assert account.status == "loaded", account.message
    assert (account.rows_read, account.rows_loaded, account.rows_quarantined) == (2, 1, 1)
    (reason, value) = con.sql("SELECT reason_zh, value FROM quarantine.rows").fetchall()[0]
    assert "超过32767字" in reason and len(value) < 100


def test_limits_come_from_the_environment_with_clear_errors():
    assert limits.Limits.from_env({"DIXIAN_MAX_COLUMNS": "5000"}).max_columns == 5000
    assert limits.Limits.from_env({}).max_rows >= 50_000_000
    # with nothing set, the defaults the README documents: a province-wide extract is admitted
    default = limits.Limits.from_env({})
    assert (default.max_file_bytes, default.max_inflated_bytes, default.max_inflated_ratio) == (
        64 * 2**30,
        16 * 2**30,
        200,
    )
    assert (default.max_columns, default.max_rows, default.max_cell_chars) == (2_000, 60_000_000, 32_767)
    # a variable sets its own limit only (digits may be grouped with _)
    assert limits.Limits.from_env({"DIXIAN_MAX_ROWS": "1_000"}) == replace(default, max_rows=1_000)
    with pytest.raises(ValueError, match="DIXIAN_MAX_ROWS='lots'"):
        limits.Limits.from_env({"DIXIAN_MAX_ROWS": "lots"})
    with pytest.raises(ValueError, match="positive"):
        limits.Limits.from_env({"DIXIAN_MAX_CELL_CHARS": "0"})
