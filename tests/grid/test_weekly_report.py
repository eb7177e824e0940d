"""The weekly grid report on a synthetic county lists exactly the monitored households not visited."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines import stages
from pipelines.grid import grid_report_frames
from pipelines.settings import Settings
from pipelines.synth import generate_county
from pipelines.warehouse import connect

REPO = Path(__file__).resolve().parents[2]
PERIOD = "2026-11"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    data = tmp_path_factory.mktemp("grid-county")
    generate_county(data, households=400, seed=5, period=PERIOD)
    settings = Settings.load(data_dir=data, rules_dir=REPO / "rules")
    stages.stage_ingest(settings, PERIOD)
    stages.stage_match(settings, PERIOD)
    return data, settings


def test_unvisited_monitored_households_match_ground_truth(county):
    data, settings = county
    truth = pl.read_csv(data / "truth" / "households.csv", infer_schema=False)
    expected = set(truth.filter(pl.col("monitored_unvisited") == "true").get_column("household_id"))
    assert expected, "the generator plants missed visits"
    found: set[str] = set()
    with connect(settings.warehouse) as con:
        for township in truth.get_column("township").unique().sort():
            frames = grid_report_frames(con, township, PERIOD, date(2026, 11, 30))
            found |= set(frames["本月未走访监测户"].get_column("户编号"))
            assert {"走访统计", "发现问题", "风险户未纳入监测"} <= set(frames)
    assert found == expected


def test_risks_reported_outside_monitoring_are_listed(county):
    data, settings = county
    truth = pl.read_csv(data / "truth" / "households.csv", infer_schema=False)
    expected = set(truth.filter(pl.col("risk_reported") == "true").get_column("household_id"))
    found: set[str] = set()
    with connect(settings.warehouse) as con:
        for township in truth.get_column("township").unique().sort():
            found |= set(
                grid_report_frames(con, township, PERIOD, date(2026, 11, 30))["风险户未纳入监测"].get_column(
                    "户编号"
                )
            )
    assert found == expected


def test_report_workbooks_are_written_per_township_in_chinese(county):
    data, settings = county
    result = stages.stage_grid_report(settings, date(2026, 11, 25))
    assert len(result["workbooks"]) == 8
    wb = openpyxl.load_workbook(result["workbooks"][0], read_only=True)
    assert wb.sheetnames == ["说明", "走访统计", "发现问题", "本月未走访监测户", "风险户未纳入监测"]
    header = next(wb["走访统计"].iter_rows(values_only=True))
    assert header[:4] == ("网格", "网格员", "本周走访次数", "本周走访户数")
    # one workbook per township, named and titled for it, listing only that township's households;
    # every monitored household the ground truth says went unvisited all month is listed on the 25th
    truth = pl.read_csv(data / "truth" / "households.csv", infer_schema=False)
    township_of = dict(zip(truth.get_column("household_id"), truth.get_column("township"), strict=True))
    unvisited_all_month = set(
        truth.filter(pl.col("monitored_unvisited") == "true").get_column("household_id")
    )
    books = {Path(p).name: p for p in result["workbooks"]}
    townships = set(township_of.values())
    assert set(books) == {f"{t}_网格周报_20261125.xlsx" for t in townships}
    listed: set[str] = set()
    for township in townships:
        wb = openpyxl.load_workbook(books[f"{township}_网格周报_20261125.xlsx"], read_only=True)
        cover = [r[0] for r in wb["说明"].iter_rows(values_only=True)]
        assert cover[0] == f"{township}网格化走访周报（截至2026年11月25日）"
        rows = list(wb["本月未走访监测户"].iter_rows(values_only=True))
        col = rows[0].index("户编号")
        households = [r[col] for r in rows[1:] if r[col]]
        assert {township_of[h] for h in households} <= {township}
        assert f"本月尚未走访的监测户：{len(households)} 户" in cover[3]
        listed |= set(households)
    assert unvisited_all_month <= listed
    assert result["monitored_unvisited"] == len(listed)
