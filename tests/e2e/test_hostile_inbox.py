"""Hostile and faulty input through the real monthly flow (issue 13): one county month carrying every
kind at once. Each case asserts the invariants, not merely a refusal: nothing written or read outside the
data folder, every file accounted for with its reason, no full ID number in any output stream."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.flows.monthly import monthly_screening
from pipelines.synth import generate_county

PERIOD = "2026-11"
ESCAPE = "../../../../escaped/PWNED"
SLASHED = "丁香镇/新区"
ID_IN_NAME = "341722199001011234"
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")

pytestmark = pytest.mark.slow

# file name → expected (status, category) of its account
ODD_FILES = {
    "医保/结算.et": ("refused", "unsupported_format"),
    "医保/结算.ods": ("refused", "unsupported_format"),
    "医保/结算.xlsb": ("refused", "unsupported_format"),
    "医保/结算.zip": ("refused", "unsupported_format"),
    "医保/结算.csv.gz": ("refused", "unsupported_format"),
    "医保/结算说明": ("refused", "unsupported_format"),
    "医保/~$结算.csv": ("skipped", "lock_file"),
    "医保/10月/补报.csv": ("refused", "nested_folder"),
}
SPECIAL_FILES = {"医保/dangling.csv": ("refused", "not_a_file"), "医保/pipe.csv": ("refused", "not_a_file")}


def _retownship(registry: Path, households: dict[str, str]) -> None:
    """Give some registry households hostile township names (as a tampered export would)."""
    wb = openpyxl.load_workbook(registry)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    hh, tw = head.index("户编号") + 1, head.index("乡(镇)") + 1
    for row in range(2, ws.max_row + 1):
        new = households.get(str(ws.cell(row, hh).value))
        if new:
            ws.cell(row, tw).value = new
    wb.save(registry)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    generate_county(data, households=60, seed=5, period=PERIOD)
    (registry,) = (data / "registry").glob("*.xlsx")
    ids = sorted(
        {
            str(r[0])
            for r in openpyxl.load_workbook(registry).worksheets[0].iter_rows(min_row=2, values_only=True)
        }
    )
    _retownship(registry, {ids[0]: ESCAPE, ids[1]: SLASHED})
    inbox = data / "inbox" / PERIOD
    for name in ODD_FILES:
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            b"\xd0\xcf\x11\xe0 not a table"
            if not name.endswith(".csv")
            else "姓名,身份证号\n张三,1\n".encode()
        )
    secret = root / "secret.csv"  # outside the data folder
    secret.write_text("姓名,身份证号,个人自付\n张三,341722199001011234,50000\n", encoding="utf-8")
    (inbox / "医保" / "linked.csv").symlink_to(secret)
    (inbox / "医保" / "dangling.csv").symlink_to(data / "gone.csv")  # a link to nothing
    os.mkfifo(inbox / "医保" / "pipe.csv")  # reading it would hang the run
    (inbox / "卫健").mkdir(exist_ok=True)
    (inbox / "卫健" / f"某某_{ID_IN_NAME}_确诊补报.csv").write_text(
        "姓名,身份证号,疾病名称,确诊日期\n张三,341722199001011234,肺癌,2026-11-02\n", encoding="utf-8"
    )
    before = {p for p in root.rglob("*")}
    result = monthly_screening(period=PERIOD, data_dir=str(data))
    return root, data, result, before, secret


def test_nothing_is_written_outside_the_data_folder(run):
    root, data, _, before, _ = run
    after = {p for p in root.rglob("*")}
    outside = [p for p in after - before if not p.is_relative_to(data)]
    assert outside == []
    assert not (root / "escaped").exists() and not (root.parent / "escaped").exists()


def test_hostile_township_names_get_safe_workbooks_inside_out(run):
    _, data, result, _, _ = run
    out = data / "out" / PERIOD
    names = sorted(p.name for p in out.glob("*_预警核实表_*.xlsx"))
    assert f"丁香镇_新区_预警核实表_{PERIOD}.xlsx" in names
    assert f"escaped_PWNED_预警核实表_{PERIOD}.xlsx" in names
    for p in result["township_workbooks"]:
        assert Path(p).resolve().parent == out.resolve()
    assert (out / f"县级汇总_{PERIOD}.xlsx").is_file()
    assert not list(out.glob(".partial-*"))


def test_every_odd_file_has_an_account_with_its_reason(run):
    _, _, result, _, _ = run
    by_file = {a["file"]: a for a in result["accounts"]}
    for name, (status, category) in {**ODD_FILES, **SPECIAL_FILES}.items():
        account = by_file[f"inbox/{PERIOD}/{name}"]
        assert (account["status"], account["category"]) == (status, category), account
        assert account["message"], account
        assert (
            account["rows_read"]
            == account["rows_loaded"] + account["rows_quarantined"] + account["rows_ignored"]
        )


def test_a_link_out_of_the_data_folder_is_refused_and_never_opened(run):
    _, data, result, _, secret = run
    (account,) = [a for a in result["accounts"] if a["file"].endswith("linked.csv")]
    assert (account["status"], account["category"]) == ("refused", "outside_data_folder")
    import hashlib

    assert account["sha256"] != hashlib.sha256(secret.read_bytes()).hexdigest()
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.sql("SELECT count(*) FROM raw.medical_insurance WHERE file LIKE '%linked%'").fetchall()
    assert loaded == [(0,)]


def test_the_county_summary_lists_the_files_not_loaded_with_why(run):
    _, data, _, _, _ = run
    wb = openpyxl.load_workbook(data / "out" / PERIOD / f"县级汇总_{PERIOD}.xlsx", read_only=True)
    rows = [[str(c) if c is not None else "" for c in r] for r in wb["数据接收"].iter_rows(values_only=True)]
    text = "\n".join("|".join(r) for r in rows)
    for name in ODD_FILES:
        assert name in text
    assert "未入库" in text and "WPS" in text and "链接指向数据目录之外" in text


def test_no_full_id_number_in_accounts_or_file_names_we_write(run):
    _, data, result, _, _ = run
    assert not FULL_ID.search(json.dumps(result["accounts"], ensure_ascii=False))
    written = [p for p in (data / "out").rglob("*")]
    assert not any(FULL_ID.search(p.name) for p in written)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        files = con.sql("SELECT file || ' ' || coalesce(message, '') FROM meta.batches").fetchall()
    assert not any(FULL_ID.search(f[0]) for f in files)
    assert any(f"{ID_IN_NAME[:6]}********{ID_IN_NAME[-4:]}" in a["file"] for a in result["accounts"])
    assert os.path.exists(
        data / "inbox" / PERIOD / "卫健" / f"某某_{ID_IN_NAME}_确诊补报.csv"
    )  # input untouched
