"""Did the departments deliver? (issue 15 item 2) An empty inbox, a missing department and a re-sent old
month each stop the run with their own exit code and say so; --allow-missing goes ahead and the
county summary shows each department's status."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliveries import ExpectationsError, load_expectations
from pipelines.synth import generate_county

pytestmark = pytest.mark.slow

P, P_NEXT = "2026-11", "2026-12"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    data = tmp_path_factory.mktemp("deliveries") / "data"
    generate_county(data, households=40, seed=4, period=P)
    first = CliRunner().invoke(app, ["run", "--period", P, "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    return data


def _run(data, period, *extra):
    return CliRunner().invoke(app, ["run", "--period", period, "--data-dir", str(data), *extra])


def test_an_empty_inbox_stops_the_run_and_says_so(county, tmp_path):
    (county / "inbox" / "2027-01").mkdir(parents=True)
    result = _run(county, "2027-01")
    assert result.exit_code == 5, result.output
    assert "no department file in this period's inbox" in result.output
    assert not (county / "out" / "2027-01").exists()  # no normal-looking workbooks


def test_an_old_month_resent_is_named_with_its_period_and_not_counted(county):
    shutil.copytree(county / "inbox" / P, county / "inbox" / P_NEXT)
    shutil.rmtree(county / "inbox" / P_NEXT / "health")  # and 卫健 has not sent yet
    result = _run(county, P_NEXT)
    assert result.exit_code == 5, result.output
    assert "旧文件重复报送" in result.output and f"与{P}期的文件完全相同" in result.output
    assert "卫生健康委：未收到" in result.output
    assert not (county / "out" / P_NEXT).exists()


def test_allow_missing_goes_ahead_and_the_summary_shows_each_department(county):
    result = _run(county, P_NEXT, "--allow-missing")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(county / "out" / P_NEXT / f"县级汇总_{P_NEXT}.xlsx", read_only=True)
    rows = [[str(c) if c is not None else "" for c in r] for r in wb["部门报送"].iter_rows(values_only=True)]
    status = {r[0]: r[1] for r in rows[2:] if r and r[0]}
    assert status["卫生健康委"] == "未收到"
    assert status["医疗保障局"] == "旧文件重复报送"
    # each township's cover says which departments' data are missing this period
    book = next((county / "out" / P_NEXT).glob("*_预警核实表_*.xlsx"))
    cover = "\n".join(
        str(c)
        for row in openpyxl.load_workbook(book).worksheets[0].iter_rows(values_only=True)
        for c in row
        if c
    )
    assert "本期缺少数据" in cover and "卫生健康委" in cover and "医疗保障局" in cover


def test_the_county_file_of_expected_feeds_is_checked(tmp_path):
    (tmp_path / "deliveries.yaml").write_text("monthly: [medical_insurance, nonsense]\n", encoding="utf-8")
    with pytest.raises(ExpectationsError, match="'nonsense', which is not a source"):
        load_expectations(tmp_path, ["medical_insurance", "health"])
    (tmp_path / "deliveries.yaml").write_text("monthly: [health]\nquarterly: [health]\n", encoding="utf-8")
    with pytest.raises(ExpectationsError, match="listed twice"):
        load_expectations(tmp_path, ["medical_insurance", "health"])
    (tmp_path / "deliveries.yaml").write_text("quarterly: [health]\n", encoding="utf-8")
    assert load_expectations(tmp_path, ["health"]).cadence == {"health": "quarterly"}
