"""Hostile and faulty input, one table (issue 13 item 8): every kind a real monthly flow meets in its
inbox and registry, planted together in one county month and run once. Each row asserts its own
outcome and message, then the invariants every row shares:

- nothing written outside the data folder, nothing read from outside it (a file out there whose
  content must never reach the warehouse or an output);
- every inbox file has an account with its reason, and read = loaded + quarantined + ignored;
- no full ID number in any output stream (accounts, file names we write, warehouse messages, logs);
- no traceback in the logs, no cell we wrote is a formula, memory bounded.

Kinds that need a run of their own are tables of their own: rule files (tests/rulebook, the checker
cases), returned workbooks (tests/feedback/test_hostile_returns.py, test_seal.py), single files at
tight limits (tests/ingest/test_hostile_files.py), kill -9 and concurrent runs
(tests/ingest/test_kill.py, tests/core/test_run_integrity.py). Faults are planted from here, never
through switches in production code."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import re
import resource
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlsxwriter

from pipelines.flows.monthly import monthly_screening
from pipelines.ingest import limits
from pipelines.synth import generate_county

PERIOD = "2026-11"
ESCAPE = "../../../../escaped/PWNED"
SLASHED = "丁香镇/新区"
PLANTED_ID = "341722199001011234"
SECRET_ID = "341722198512120017"
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MEDICAL = "参保人姓名,公民身份号码,结算日期,总费用,个人负担\n"
FORMULA = '=HYPERLINK("http://evil.example/x","点我")'
SQL_NAME = "张三'); DROP TABLE raw.medical_insurance; --"
MEMORY_MB = 1500

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Ctx:
    root: Path
    data: Path
    inbox: Path
    secret: Path
    result: dict
    logs: str
    grown_mb: float
    before: frozenset[Path]

    def account(self, name: str) -> dict:
        wanted = f"inbox/{PERIOD}/{name}"
        found = [a for a in self.result["accounts"] if a["file"] == wanted]
        assert found, f"no account for {wanted}: {[a['file'] for a in self.result['accounts']]}"
        return found[0]

    def sql(self, query: str) -> list[tuple]:
        with duckdb.connect(str(self.data / "warehouse.duckdb"), read_only=True) as con:
            return con.sql(query).fetchall()


@dataclass(frozen=True)
class Case:
    why: str
    plant: Callable[[Path, Path], None]
    """(data folder, a folder outside it) → writes the hostile input."""
    check: Callable[[Ctx], None]


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _inbox(data: Path) -> Path:
    return data / "inbox" / PERIOD


def _file_case(name: str, content: bytes | str, status: str, category: str, message: str) -> Case:
    def plant(data: Path, outside: Path) -> None:
        _write(_inbox(data) / name, content)

    def check(ctx: Ctx) -> None:
        a = ctx.account(name)
        assert (a["status"], a["category"]) == (status, category), a
        assert message in a["message"], a["message"]

    return Case(f"{name}: {status} ({category or 'ok'})", plant, check)


def _retownship(data: Path, households: dict[int, str]) -> None:
    """Give some registry households hostile township names, as a tampered export would."""
    (registry,) = (data / "registry").glob("*.xlsx")
    wb = openpyxl.load_workbook(registry)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    hh, tw = head.index("户编号") + 1, head.index("乡(镇)") + 1
    ids = sorted({str(ws.cell(r, hh).value) for r in range(2, ws.max_row + 1)})
    renamed = {ids[i]: name for i, name in households.items()}
    for row in range(2, ws.max_row + 1):
        new = renamed.get(str(ws.cell(row, hh).value))
        if new:
            ws.cell(row, tw).value = new
    wb.save(registry)


def _township_names(data: Path, outside: Path) -> None:
    _retownship(data, {0: ESCAPE, 1: SLASHED})


def _check_township_names(ctx: Ctx) -> None:
    out = ctx.data / "out" / PERIOD
    names = {p.name for p in out.glob("*_预警核实表_*.xlsx")}
    assert {f"丁香镇_新区_预警核实表_{PERIOD}.xlsx", f"escaped_PWNED_预警核实表_{PERIOD}.xlsx"} <= names
    for p in ctx.result["township_workbooks"]:
        assert Path(p).resolve().parent == out.resolve()
    assert not (ctx.root / "escaped").exists() and not (ctx.root.parent / "escaped").exists()
    assert not list(out.glob(".partial-*"))


def _links(data: Path, outside: Path) -> None:
    (_inbox(data) / "医保").mkdir(parents=True, exist_ok=True)
    (_inbox(data) / "医保" / "linked.csv").symlink_to(outside / "secret.csv")
    (_inbox(data) / "医保" / "dangling.csv").symlink_to(data / "gone.csv")
    os.mkfifo(_inbox(data) / "医保" / "pipe.csv")  # reading it would hang the run


def _check_links(ctx: Ctx) -> None:
    linked = ctx.account("医保/linked.csv")
    assert (linked["status"], linked["category"]) == ("refused", "outside_data_folder")
    assert "数据目录之外" in linked["message"]
    assert linked["sha256"] != hashlib.sha256(ctx.secret.read_bytes()).hexdigest()  # never opened
    for name in ("医保/dangling.csv", "医保/pipe.csv"):
        assert (ctx.account(name)["status"], ctx.account(name)["category"]) == ("refused", "not_a_file")
    assert ctx.sql("SELECT count(*) FROM raw.medical_insurance WHERE file LIKE '%linked%'") == [(0,)]


ID_FILE_TEXT = f"姓名,身份证号,疾病名称,确诊日期\n张三,{PLANTED_ID},肺癌,2026-11-02\n"


def _id_in_file_name(data: Path, outside: Path) -> None:
    _write(_inbox(data) / "卫健" / f"某某_{PLANTED_ID}_确诊补报.csv", ID_FILE_TEXT)


def _check_id_in_file_name(ctx: Ctx) -> None:
    masked = f"{PLANTED_ID[:6]}********{PLANTED_ID[-4:]}"
    assert any(masked in a["file"] for a in ctx.result["accounts"])
    assert (ctx.inbox / "卫健" / f"某某_{PLANTED_ID}_确诊补报.csv").exists()  # the input is untouched
    # under its own name, byte for byte: masking is for what we write, never the department's file
    assert (ctx.inbox / "卫健" / f"某某_{PLANTED_ID}_确诊补报.csv").read_text(
        encoding="utf-8"
    ) == ID_FILE_TEXT


def _seed(path: Path, *rows: list[str]) -> Path:
    """A plain workbook with the medical header and `rows`: the base a hostile part is planted into."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, values in enumerate([MEDICAL.strip().split(","), *rows]):
        for c, v in enumerate(values):
            ws.write_string(r, c, v)
    wb.close()
    return path


def _zip_bomb(data: Path, outside: Path) -> None:
    """A valid workbook whose sheet XML is padded: 70 KB zipped, 80 MB unzipped (over the limit the
    run is given through its environment, DIXIAN_MAX_INFLATED_BYTES)."""
    seed = _seed(outside / "seed.xlsx")
    target = _inbox(data) / "医保" / "住院结算_补充.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"<sheetData>", b"<sheetData>" + b" " * 80_000_000, 1)
            out.writestr(item.filename, part)


def _check_zip_bomb(ctx: Ctx) -> None:
    a = ctx.account("医保/住院结算_补充.xlsx")
    assert (a["status"], a["category"]) == ("refused", "too_large"), a
    assert "unzips to too many bytes" in a["message"]


def _wide_csv(data: Path, outside: Path) -> None:
    """300 columns, 7 KB: memory once grew with the square of the column count."""
    head = MEDICAL.strip() + "," + ",".join(f"备注{i}" for i in range(295))
    _write(_inbox(data) / "医保" / "宽表.csv", head + "\n" + "李四,,2026-11-03,100,10" + ",x" * 295 + "\n")


def _check_wide_csv(ctx: Ctx) -> None:
    a = ctx.account("医保/宽表.csv")
    assert a["status"] == "loaded" and a["rows_read"] == 1, a


def _huge_cell(data: Path, outside: Path) -> None:
    body = f'王五,{SECRET_ID[:-1]}9,2026-11-04,"{"病" * 1_000_000}",5\n赵六,,2026-11-05,300,30\n'
    _write(_inbox(data) / "医保" / "长单元格.csv", MEDICAL + body)


def _check_huge_cell(ctx: Ctx) -> None:
    a = ctx.account("医保/长单元格.csv")
    assert a["status"] == "loaded", a
    assert (a["rows_read"], a["rows_quarantined"]) == (2, 1), a  # the row, not the file
    reasons = ctx.sql("SELECT reason_zh FROM quarantine.rows WHERE file LIKE '%长单元格%'")
    assert len(reasons) == 1 and "单元格内容超过" in reasons[0][0], reasons


def _formula_and_sql(data: Path, outside: Path) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [
            MEDICAL.strip().split(","),
            [SQL_NAME, "", "2026-11-06", "100", "10"],
            [FORMULA, "", FORMULA, "100", "10"],
        ]
    )
    _write(_inbox(data) / "医保" / "公式与注入.csv", text.getvalue())


def _check_formula_and_sql(ctx: Ctx) -> None:
    a = ctx.account("医保/公式与注入.csv")
    assert a["status"] == "loaded" and a["rows_read"] == 2, a
    assert ctx.sql("SELECT count(*) FROM raw.medical_insurance WHERE name LIKE '%DROP TABLE%'") == [(1,)]
    (values,) = ctx.sql("SELECT count(*) FROM quarantine.rows WHERE file LIKE '%公式与注入%'")
    assert values[0] == 1  # the formula in the date column: quarantined as a bad date, value kept as text


def _xxe(data: Path, outside: Path) -> None:
    """A workbook whose shared strings declare an external entity pointing at the outside file."""
    seed = _seed(outside / "seed_xxe.xlsx", ["PLACEHOLDER"])
    target = _inbox(data) / "医保" / "实体.xlsx"
    evil = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{outside / "secret.csv"}">]>'
    ).encode()
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                part = evil + part.split(b"?>", 1)[1].replace(b"PLACEHOLDER", b"&e;")
            out.writestr(item.filename, part)


def _check_xxe(ctx: Ctx) -> None:
    a = ctx.account("医保/实体.xlsx")
    assert a["status"] in ("refused", "loaded"), a
    assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_ignored"]
    # the entity is never resolved: the reader refuses the sheet, and nothing of the file it points at
    # (the word 机密, its ID number) reaches the warehouse, the quarantine or the account
    assert (a["status"], a["category"], a["rows_read"]) == ("refused", "unreadable", 0), a
    assert "entity" in a["message"], a["message"]
    assert ctx.sql("SELECT count(*) FROM raw.medical_insurance WHERE file LIKE '%实体%'") == [(0,)]
    leaked = ctx.sql(
        "SELECT count(*) FROM (SELECT name AS v FROM raw.medical_insurance UNION ALL"
        " SELECT value FROM quarantine.rows) WHERE v LIKE '%机密%'"
    )
    assert leaked == [(0,)]
    assert "机密" not in json.dumps(a, ensure_ascii=False) and SECRET_ID not in json.dumps(a)


def _macro(data: Path, outside: Path) -> None:
    """A macro-enabled workbook (.xlsm with a vbaProject part): read as data, its macro never runs."""
    seed = _seed(outside / "seed_macro.xlsx", ["孙七", "", "2026-11-07", "120", "12"])
    target = _inbox(data) / "医保" / "带宏.xlsm"
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item.filename, src.read(item.filename))
        out.writestr("xl/vbaProject.bin", b'\xd0\xcf\x11\xe0 Shell("rm -rf ~")')


def _check_macro(ctx: Ctx) -> None:
    a = ctx.account("医保/带宏.xlsm")
    assert a["status"] == "loaded" and a["rows_read"] == 1, a


ODD_FILES = [
    ("医保/结算.et", "refused", "unsupported_format", "WPS"),
    ("医保/结算.ods", "refused", "unsupported_format", "ods"),
    ("医保/结算.xlsb", "refused", "unsupported_format", "xlsb"),
    ("医保/结算.zip", "refused", "unsupported_format", "zip"),
    ("医保/结算.csv.gz", "refused", "unsupported_format", "gz"),
    ("医保/结算说明", "refused", "unsupported_format", "无扩展名"),
    ("医保/~$结算.csv", "skipped", "lock_file", "~$"),
    ("医保/10月/补报.csv", "refused", "nested_folder", "下级文件夹"),
]

CASES = [
    Case("path traversal and a slash in a registry township name", _township_names, _check_township_names),
    Case("links: out of the data folder, dangling, a pipe", _links, _check_links),
    Case("a full ID number in a file name", _id_in_file_name, _check_id_in_file_name),
    Case("an XLSX zip bomb", _zip_bomb, _check_zip_bomb),
    Case("300 columns in a 7 KB CSV", _wide_csv, _check_wide_csv),
    Case("a million-character cell in a quoted CSV", _huge_cell, _check_huge_cell),
    Case("formula text and SQL in cells", _formula_and_sql, _check_formula_and_sql),
    Case("an external entity (XXE) in a workbook", _xxe, _check_xxe),
    Case("a macro-enabled workbook", _macro, _check_macro),
    *(
        _file_case(name, b"\xd0\xcf\x11\xe0 not a table" if not name.endswith(".csv") else MEDICAL, *rest)
        for name, *rest in ODD_FILES
    ),
]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Ctx:
    root = tmp_path_factory.mktemp("hostile")
    data, outside = root / "data", root / "outside"
    outside.mkdir()
    generate_county(data, households=60, seed=5, period=PERIOD)
    secret = outside / "secret.csv"
    secret.write_text(f"姓名,身份证号,个人自付\n机密,{SECRET_ID},50000\n", encoding="utf-8")
    for case in CASES:
        case.plant(data, outside)
    before = frozenset(root.rglob("*"))
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    logging.getLogger().addHandler(handler)
    mp = pytest.MonkeyPatch()
    mp.setenv("DIXIAN_MAX_INFLATED_BYTES", "50000000")
    limits.current.cache_clear()  # limits are read from the environment once per process
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        with contextlib.redirect_stderr(logs), contextlib.redirect_stdout(logs):
            result = monthly_screening(period=PERIOD, data_dir=str(data))
    finally:
        mp.undo()
        limits.current.cache_clear()
        logging.getLogger().removeHandler(handler)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024
    return Ctx(root, data, _inbox(data), secret, result, logs.getvalue(), grown, before)


def _workbook_formulas(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.why for c in CASES])
def test_hostile_input(ctx: Ctx, case: Case):
    case.check(ctx)
    # nothing written outside the data folder; nothing from outside in the warehouse
    new = frozenset(ctx.root.rglob("*")) - ctx.before
    assert [p for p in new if not p.is_relative_to(ctx.data)] == []
    assert ctx.sql(
        f"SELECT count(*) FROM raw.medical_insurance WHERE id_number LIKE '%{SECRET_ID[-6:]}%'"
    ) == [(0,)]
    # every file accounted for, every row counted
    for a in ctx.result["accounts"]:
        assert a["message"] or a["status"] == "loaded", a
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_ignored"], a
    # no full ID in accounts, logs, file names we wrote, warehouse messages
    assert not FULL_ID.search(json.dumps(ctx.result["accounts"], ensure_ascii=False))
    assert not FULL_ID.search(ctx.logs), FULL_ID.search(ctx.logs)
    assert not any(FULL_ID.search(p.name) for p in (ctx.data / "out").rglob("*"))
    assert not any(
        FULL_ID.search(r[0]) for r in ctx.sql("SELECT file || ' ' || coalesce(message, '') FROM meta.batches")
    )
    # no traceback; no formula in any workbook we wrote; bounded memory
    assert "Traceback" not in ctx.logs
    assert ctx.grown_mb < MEMORY_MB, f"memory grew by {ctx.grown_mb:.0f} MB"


def test_no_workbook_we_wrote_holds_a_formula(ctx: Ctx):
    written = sorted((ctx.data / "out" / PERIOD).glob("*.xlsx"))
    assert written
    assert {p.name: _workbook_formulas(p) for p in written} == {p.name: [] for p in written}


def test_the_county_summary_lists_every_file_not_loaded_with_why(ctx: Ctx):
    wb = openpyxl.load_workbook(ctx.data / "out" / PERIOD / f"县级汇总_{PERIOD}.xlsx", read_only=True)
    rows = [[str(c) if c is not None else "" for c in r] for r in wb["数据接收"].iter_rows(values_only=True)]
    text = "\n".join("|".join(r) for r in rows)
    for name, *_ in ODD_FILES:
        assert name in text
    assert "未入库" in text and "WPS" in text and "链接指向数据目录之外" in text
