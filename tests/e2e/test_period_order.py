"""Periods are independent (issue 15 item 4): running months out of order, or re-running an old month,
ends in the state of running them in order — warnings with their lifecycle, each month's review queue,
each stage's result — and a warning whose rule stops firing stays open until the township answers it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.cli import app
from pipelines.synth import generate_county
from pipelines.warnings.tables import WARNING_NAMES

pytestmark = pytest.mark.slow

NOV, DEC = "2026-11", "2026-12"
COLUMNS = ", ".join(f'"{c}"' for c in WARNING_NAMES)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A county whose departments deliver over two months: half the folders in November, half in
    December (December's screening sees November's rows too, so some warnings repeat)."""
    data = tmp_path_factory.mktemp("order") / "data"
    generate_county(data, households=80, seed=7, period=NOV)
    nov, dec = data / "inbox" / NOV, data / "inbox" / DEC
    dec.mkdir(parents=True)
    for i, folder in enumerate(sorted(p for p in nov.iterdir() if p.is_dir())):
        if i % 2:
            shutil.move(str(folder), dec / folder.name)
    return data


def _copy(template: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    return data


def _run(data: Path, period: str):
    result = CliRunner().invoke(app, ["run", "--period", period, "--data-dir", str(data), "--allow-missing"])
    assert result.exit_code == 0, result.output
    return result


def _state(data: Path) -> dict[str, list]:
    """What a run decides, timestamps and the working tables of the last run aside."""
    with warehouse.connect(data / "warehouse.duckdb", read_only=True) as con:
        results = con.sql(
            "SELECT period, stage, result FROM meta.stage_runs ORDER BY period, stage"
        ).fetchall()
        return {
            "warnings": con.sql(f"SELECT {COLUMNS} FROM warn.warnings ORDER BY warning_id").fetchall(),
            "screened": con.sql("SELECT period FROM warn.screened_periods ORDER BY period").fetchall(),
            "review": con.sql(
                "SELECT source, period, row_key, fingerprint, match_method, match_evidence FROM link.review"
                " ORDER BY ALL"
            ).fetchall(),
            "candidates": con.sql("SELECT * FROM link.review_candidates ORDER BY ALL").fetchall(),
            "stage_results": [(p, s, json.loads(r)) for p, s, r in results],
        }


@pytest.fixture(scope="module")
def in_order(template, tmp_path_factory) -> dict[str, list]:
    data = _copy(template, tmp_path_factory.mktemp("in-order"))
    _run(data, NOV)
    _run(data, DEC)
    state = _state(data)
    statuses = {row[0]: row for row in state["warnings"]}
    assert any(wid.startswith(DEC) for wid in statuses), "December raises warnings"
    assert any(wid.startswith(NOV) for wid in statuses), "November raises warnings"
    return state


def _statuses(state: dict[str, list]) -> dict[str, str]:
    return {row[0]: row[_column("status")] for row in state["warnings"]}


def _column(name: str) -> int:
    return WARNING_NAMES.index(name)


def test_in_order_december_repeats_november_and_november_stays_open(in_order):
    statuses = _statuses(in_order)
    dec = {wid[len(DEC) + 1 :]: s for wid, s in statuses.items() if wid.startswith(DEC)}
    nov = {wid[len(NOV) + 1 :]: s for wid, s in statuses.items() if wid.startswith(NOV)}
    assert {dec[k] for k in dec.keys() & nov.keys()} <= {"repeated", "escalated", "suppressed"}
    assert set(dec.keys() & nov.keys()), "some November risk fires again in December"
    assert {dec[k] for k in dec.keys() - nov.keys()} == {"new"} or not dec.keys() - nov.keys()
    # nothing closed without an answer: November's warnings are open whether or not they fired again
    assert set(nov.values()) <= {"new", "repeated", "escalated", "suppressed"}
    quiet = {row[0]: row[_column("quiet_since")] for row in in_order["warnings"] if row[0].startswith(NOV)}
    for key in nov.keys() - dec.keys():
        assert quiet[f"{NOV}-{key}"] == DEC
    for key in nov.keys() & dec.keys():
        assert quiet[f"{NOV}-{key}"] is None


def test_rerunning_an_old_month_gives_the_in_order_state(template, in_order, tmp_path):
    data = _copy(template, tmp_path)
    _run(data, NOV)
    _run(data, DEC)
    _run(data, NOV)  # December's rows are in the warehouse now, but November is screened as of November
    assert _state(data) == in_order


def test_months_out_of_order_give_the_in_order_state_once_the_later_month_is_rerun(
    template, in_order, tmp_path
):
    data = _copy(template, tmp_path)
    _run(data, DEC)
    backfill = _run(data, NOV)
    assert f"{DEC} were screened before {NOV}" in backfill.output
    assert f"dixian run --period {DEC}" in backfill.output
    relabelled = _statuses(_state(data))
    # the backfill alone already relabels December against November: none of its repeats is "new" now
    nov_keys = {wid[len(NOV) + 1 :] for wid in relabelled if wid.startswith(NOV)}
    for wid, status in relabelled.items():
        if wid.startswith(DEC) and wid[len(DEC) + 1 :] in nov_keys:
            assert status != "new", wid
    _run(data, DEC)
    assert _state(data) == in_order


def test_each_month_keeps_its_own_review_queue(template, tmp_path):
    data = _copy(template, tmp_path)
    _run(data, DEC)
    _run(data, NOV)
    with warehouse.connect(data / "warehouse.duckdb", read_only=True) as con:
        queued = dict(con.sql("SELECT period, count(*) FROM link.review GROUP BY period").fetchall())
    assert queued.get(DEC, 0) > 0, "December's queue survives November's run"
    out = tmp_path / "review.xlsx"
    result = CliRunner().invoke(
        app, ["review", "export", "--period", DEC, "--out", str(out)],
        env={"DIXIAN_DATA": str(data), "DIXIAN_WAREHOUSE": str(data / "warehouse.duckdb")},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = openpyxl.load_workbook(out)["待核对"].max_row - 1
    assert rows > 0 and f"{rows} rows to review" in result.output
