"""Ordinary mistakes end `dixian run` with one short bilingual line naming the file and the fix, before
anything is loaded, and no traceback (issue 15 item 3); a stage that fails is shown as failed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines import progress
from pipelines.cli import app
from pipelines.synth import generate_county

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-11"


def _run(*args: str):
    return CliRunner().invoke(app, ["run", "--period", PERIOD, *args])


def test_no_registry_is_one_line_and_nothing_runs(tmp_path):
    data = tmp_path / "data"
    (data / "inbox" / PERIOD).mkdir(parents=True)
    result = _run("--data-dir", str(data))
    assert result.exit_code == 2, result.output
    assert "no registry, nothing was run" in result.output and str(data / "registry") in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an error escaping
    assert not (data / "warehouse.duckdb").exists()  # nothing was loaded


def test_bad_rules_are_named_with_their_line_before_anything_is_loaded(tmp_path):
    data = tmp_path / "data"
    generate_county(data, households=20, seed=2, period=PERIOD)
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    with (rules / "parameters.yaml").open("a", encoding="utf-8") as f:
        f.write("broken: [\n")
    result = _run("--data-dir", str(data), "--rules-dir", str(rules))
    assert result.exit_code == 2, result.output
    assert "the rules have an error" in result.output and "parameters.yaml:" in result.output
    assert "dixian rules check" in result.output and "Traceback" not in result.output
    assert not (data / "warehouse.duckdb").exists()


def test_a_bad_county_calendar_is_named(tmp_path):
    data = tmp_path / "data"
    generate_county(data, households=20, seed=2, period=PERIOD)
    (data / "county").mkdir(exist_ok=True)
    (data / "county" / "calendar.yaml").write_text("holidays: [someday]\n", encoding="utf-8")
    result = _run("--data-dir", str(data))
    assert result.exit_code == 2, result.output
    assert "calendar.yaml" in result.output and "'someday' is not a date" in result.output


def test_a_failing_stage_is_reported_failed_not_done():
    seen: list[tuple[str, str]] = []

    def listen(stage: str, message: str) -> None:
        seen.append((stage, message))

    progress.subscribe(listen)
    try:
        with pytest.raises(RuntimeError), progress.timed("match"):
            raise RuntimeError("boom")
    finally:
        progress.unsubscribe(listen)
    assert seen[0] == ("match", "start")
    assert seen[-1][1].startswith("failed after") and not any(m.startswith("done") for _, m in seen)


def _unreadable_registry(tmp_path: Path) -> Path:
    """A data folder whose only registry file is not a workbook, with one department file."""
    data = tmp_path / "data"
    (data / "registry").mkdir(parents=True)
    (data / "registry" / "名册.xlsx").write_text("not a workbook", encoding="utf-8")
    (data / "inbox" / PERIOD / "health").mkdir(parents=True)
    (data / "inbox" / PERIOD / "health" / "确诊.csv").write_text(
        "姓名,身份证号,疾病名称,确诊日期\n张三,,肺癌,2026-11-02\n", encoding="utf-8"
    )
    return data


def test_an_unreadable_registry_stops_after_ingest_naming_the_file(tmp_path):
    data = _unreadable_registry(tmp_path)
    result = _run("--data-dir", str(data))
    assert result.exit_code == 5, result.output
    assert "the registry cannot be read" in result.output and "名册.xlsx" in result.output
    assert "Traceback" not in result.output
    assert not (data / "out" / PERIOD).exists()


def _county(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    generate_county(data, households=20, seed=2, period=PERIOD)
    return data


def _data_is_a_file(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.write_text("not a folder", encoding="utf-8")
    return data


def _out_is_a_file(tmp_path: Path) -> Path:
    data = _county(tmp_path)
    (data / "out").write_text("a file where the output folder should be", encoding="utf-8")
    return data


def _garbage_warehouse(tmp_path: Path) -> Path:
    data = _county(tmp_path)
    (data / "warehouse.duckdb").write_bytes(b"this is not a DuckDB file" * 200)
    return data


@pytest.mark.parametrize(
    ("make", "code", "says", "names"),
    [
        (_data_is_a_file, 2, "the data folder is not a folder", ""),
        (_out_is_a_file, 2, "cannot write the output folder", "out"),
        (_garbage_warehouse, 4, "the warehouse cannot be opened", "warehouse.duckdb"),
    ],
    ids=["data folder is a file", "output folder is a file", "warehouse is not a DuckDB file"],
)
def test_a_bad_folder_or_warehouse_is_one_line_naming_it(tmp_path, make, code, says, names):
    data = make(tmp_path)
    before = {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}
    result = _run("--data-dir", str(data))
    assert result.exit_code == code, result.output
    assert says in result.output and str(data / names).rstrip("/") in result.output.replace("\n", "")
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    after = {p: p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing was loaded or written


def test_a_second_run_while_one_holds_the_warehouse_is_refused_in_one_line(tmp_path):
    import subprocess
    import sys

    data = _county(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\nfrom pipelines.runlock import run_lock\n"
         f"with run_lock(Path({str(data / 'warehouse.duckdb')!r})):\n    print('HOLD', flush=True)\n"
         "    time.sleep(60)\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLD"
        result = _run("--data-dir", str(data))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3, result.output
    assert "the warehouse is busy, nothing was run" in result.output and "Traceback" not in result.output


def test_allow_missing_does_not_go_ahead_without_a_readable_registry(tmp_path):
    data = _unreadable_registry(tmp_path)
    result = _run("--data-dir", str(data), "--allow-missing")
    assert result.exit_code == 5, result.output
    assert "no readable registry" in result.output and "名册.xlsx" in result.output
    assert "--allow-missing" not in result.output.split("no readable registry")[1]
    assert "Traceback" not in result.output
    assert not (data / "out" / PERIOD).exists()


@pytest.mark.parametrize("period", ["2026-1", "2026/11", "202611", "2026-13"])
def test_a_period_not_written_yyyy_mm_is_refused_before_anything_runs(tmp_path, period):
    data = tmp_path / "data"
    (data / "registry").mkdir(parents=True)
    result = CliRunner().invoke(app, ["run", "--period", period, "--data-dir", str(data)])
    assert result.exit_code == 2, result.output
    assert "is not YYYY-MM (e.g. 2026-11)" in result.output and "Traceback" not in result.output
    assert not (data / "warehouse.duckdb").exists() and not (data / "out").exists()
