"""The real monthly flow (Prefect, ephemeral) on a small synthetic county, checked against ground truth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.flows.monthly import monthly_screening
from pipelines.synth import generate_county

PERIOD = "2026-11"
TOWNSHIPS = {"仁里镇", "七都镇", "仙寓镇", "丁香镇", "小河镇", "横渡镇", "大演乡", "矶滩乡"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    data = tmp_path_factory.mktemp("county")
    generate_county(data, households=300, seed=7, period=PERIOD)
    result = monthly_screening(period=PERIOD, data_dir=str(data))
    return data, result


def read_workbook_households(path: Path) -> tuple[list[str], list[str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["预警核实表"].iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    col = header.index("户编号")
    return header, [r[col] for r in rows[1:] if r[col]]


def test_writes_eight_township_workbooks_and_a_county_summary(county):
    data, result = county
    out = data / "out" / PERIOD
    names = {p.name for p in out.glob("*.xlsx")}
    assert names == {f"{t}_预警核实表_{PERIOD}.xlsx" for t in TOWNSHIPS} | {f"县级汇总_{PERIOD}.xlsx"}
    assert len(result["township_workbooks"]) == 8


def test_every_file_is_accounted_for(county):
    data, result = county
    assert result["accounts"], "no files were ingested"
    # one account for each file the generator wrote to the registry and this period's inbox, no more
    sent = sorted(
        p.relative_to(data).as_posix()
        for folder in (data / "registry", data / "inbox" / PERIOD)
        for p in folder.rglob("*")
        if p.is_file()
    )
    assert sorted(a["file"] for a in result["accounts"]) == sent
    for a in result["accounts"]:
        assert a["status"] == "loaded", a
        assert a["rows_read"] == a["rows_loaded"] + a["rows_quarantined"] + a["rows_ignored"], a
        assert a["rows_loaded"] > 0, a
        # the generator files each extract under its source's folder: the source read is that one
        folder = Path(a["file"]).parent
        assert a["source"] == ("registry" if folder.name == "registry" else folder.name), a


def test_planted_risks_reachable_by_id_become_warnings_in_the_right_township(county):
    data, _ = county
    expected = pl.read_csv(data / "truth" / "expected_warnings.csv", infer_schema=False)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        got = con.sql(
            "SELECT household_id, rule_id, township FROM warn.warnings WHERE period = ?", params=[PERIOD]
        ).pl()
    reachable = expected.filter(pl.col("exact_reachable") == "true")
    assert reachable.height >= 20
    joined = reachable.join(got, on=["household_id", "rule_id"], how="left", suffix="_got")
    missing = joined.filter(pl.col("township_got").is_null())
    assert missing.height == 0, f"planted warnings not raised:\n{missing}"
    assert (joined.get_column("township") == joined.get_column("township_got")).all()
    unexpected = got.join(expected, on=["household_id", "rule_id"], how="anti")
    assert unexpected.height == 0, f"warnings the ground truth does not explain:\n{unexpected}"


def test_workbooks_have_chinese_headers_and_only_their_own_households(county):
    data, _ = county
    truth = pl.read_csv(data / "truth" / "households.csv", infer_schema=False)
    township_of = dict(zip(truth.get_column("household_id"), truth.get_column("township"), strict=True))
    expected = pl.read_csv(data / "truth" / "expected_warnings.csv", infer_schema=False).filter(
        pl.col("exact_reachable") == "true"
    )
    seen: dict[str, set[str]] = {}
    for township in TOWNSHIPS:
        header, households = read_workbook_households(
            data / "out" / PERIOD / f"{township}_预警核实表_{PERIOD}.xlsx"
        )
        for wanted in (
            "户编号",
            "户主姓名",
            "预警原因",
            "预警依据",
            "核实结果",
            "核实情况说明",
            "核实人",
            "核实日期",
        ):
            assert wanted in header, f"{township}: header {wanted} missing from {header}"
        assert households, f"{township} workbook is empty"
        assert {township_of[h] for h in households} == {township}
        seen[township] = set(households)
    for row in expected.iter_rows(named=True):
        holders = [t for t, hs in seen.items() if row["household_id"] in hs]
        assert holders == [row["township"]], row


def test_rerun_duplicates_nothing(county):
    data, first = county
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        before = con.sql(
            "SELECT (SELECT count(*) FROM raw.medical_insurance), (SELECT count(*) FROM warn.warnings)"
        ).fetchall()
    again = monthly_screening(period=PERIOD, data_dir=str(data))
    assert {a["status"] for a in again["accounts"]} == {"skipped"}
    assert again["warnings"] == first["warnings"]
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        after = con.sql(
            "SELECT (SELECT count(*) FROM raw.medical_insurance), (SELECT count(*) FROM warn.warnings)"
        ).fetchall()
    assert after == before


def test_run_summary_tables_count_what_was_sent_and_what_is_overdue(county):
    from datetime import date

    from pipelines.reporting import run_summary_tables
    from pipelines.settings import Settings

    data, result = county
    settings = Settings.load(data_dir=data)
    before_due = run_summary_tables(settings, PERIOD, today=date(2026, 11, 2))
    after_due = run_summary_tables(settings, PERIOD, today=date(2027, 3, 1))
    per_township = before_due["warnings_by_township_cause"]
    assert {row["township"] for row in per_township} == TOWNSHIPS
    assert sum(v for row in per_township for k, v in row.items() if k != "township") == result["warnings"]
    assert before_due["overdue_by_township"] == []
    assert sum(r["overdue_warnings"] for r in after_due["overdue_by_township"]) == result["warnings"]


def test_dixian_match_against_the_warehouse_speaks_chinese_and_adds_household_type(county, monkeypatch):
    """一键比对 on the screened county's warehouse (no --registry): Chinese headers and words for the
    officer, with the household's 户类型 and 监测对象类别 from the registry appended."""
    from typer.testing import CliRunner

    from pipelines import warehouse
    from pipelines.cli import app

    data, _ = county
    with warehouse.connect(data / "warehouse.duckdb", read_only=True) as con:
        name, id_number, household_type, monitoring_type = con.sql(
            "SELECT p.name, p.id_number, h.household_type, h.monitoring_type FROM core.persons p"
            " JOIN core.households h USING (household_id) WHERE h.monitoring_type IS NOT NULL"
            " ORDER BY p.person_id LIMIT 1"
        ).fetchall()[0]
    listing = data / "名单.csv"
    listing.write_text(f"姓名,身份证号\n{name},{id_number}\n不在册,\n", encoding="utf-8")
    out = data / "比对结果.xlsx"
    monkeypatch.setenv("DIXIAN_DATA", str(data))
    monkeypatch.setenv("DIXIAN_WAREHOUSE", str(data / "warehouse.duckdb"))
    result = CliRunner().invoke(app, ["match", str(listing), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header = list(rows[0])
    got = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert header[:2] == ["姓名", "身份证号"] and "户类型" in header and "监测对象类别" in header
    assert all(h.isascii() is False for h in header), header
    assert (got[0]["匹配结果"], got[0]["匹配方式"]) == ("已匹配", "身份证号一致")
    assert (got[0]["户类型"], got[0]["监测对象类别"]) == (household_type, monitoring_type)
    assert got[1]["匹配结果"] == "未匹配" and got[1]["户类型"] is None
