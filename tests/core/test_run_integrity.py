"""A run that can be killed, raced or handed a corrupt warehouse (issue 13 item 5): one run at a time,
interrupted runs are recorded as such, and a corrupt warehouse never replaces the analysts' good copy."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from pipelines.analyst import CorruptWarehouse, publish, published_path, verify_warehouse
from pipelines.runlock import run_lock
from pipelines.runs import record_run
from pipelines.settings import Settings
from pipelines.warehouse import WarehouseBusy, connect


def _corrupt(path, seed=1):
    size = os.path.getsize(path)
    rnd = random.Random(seed)
    with open(path, "r+b") as f:
        for _ in range(50):
            f.seek(rnd.randrange(size // 4, size - 4096))
            f.write(rnd.randbytes(512))


def test_a_corrupt_warehouse_is_not_published_over_the_good_copy(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    with connect(wh) as con:
        con.execute(
            "CREATE TABLE core.households (household_id VARCHAR, township VARCHAR, village VARCHAR,"
            ' "group" VARCHAR, household_type VARCHAR, monitoring_type VARCHAR, segment VARCHAR, head_name'
            " VARCHAR, members BIGINT, income_per_capita DOUBLE, grid VARCHAR, grid_worker VARCHAR)"
        )
        con.execute(
            "CREATE TABLE core.persons (person_id VARCHAR, household_id VARCHAR, name VARCHAR, id_number"
            " VARCHAR, id_status VARCHAR, sex VARCHAR, birth_date DATE, relation VARCHAR, township VARCHAR,"
            ' village VARCHAR, "group" VARCHAR, segment VARCHAR)'
        )
        con.execute("CREATE TABLE raw.big AS SELECT range AS a, 'x' || range AS b FROM range(2000000)")
    good = publish(wh)
    before = good.read_bytes()
    _corrupt(wh)
    with pytest.raises(CorruptWarehouse) as err:
        publish(wh)
    assert "未发布分析副本" in str(err.value) and str(published_path(wh)) in str(err.value)
    assert good.read_bytes() == before  # the analysts' copy is the last good run, untouched
    with duckdb.connect(str(good), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM raw.big").fetchall() == [(2_000_000,)]


def test_a_sound_warehouse_passes_the_check(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    with connect(wh) as con:
        con.execute("CREATE TABLE raw.extra AS SELECT range AS a FROM range(1000)")
        tables = con.sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()[0][0]
    assert tables > 5
    assert verify_warehouse(wh) == tables  # every table of every schema read, none left out


def test_a_second_run_is_refused_while_one_holds_the_lock(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    with run_lock(wh):
        code = (
            "from pathlib import Path\nfrom pipelines.runlock import run_lock\nfrom pipelines.warehouse import WarehouseBusy\n"
            f"try:\n    with run_lock(Path({str(wh)!r})): print('RAN')\nexcept WarehouseBusy as e:\n    print('BUSY', e)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.startswith("BUSY") and str(os.getpid()) in out.stdout, out.stdout + out.stderr


def test_a_killed_run_frees_the_lock_and_is_recorded_as_interrupted(tmp_path):
    settings = Settings.load(data_dir=tmp_path)
    wh = settings.warehouse
    code = (
        "import time\nfrom pipelines import runs\nfrom pipelines.runlock import run_lock\n"
        "from pipelines.settings import Settings\n"
        f"s = Settings.load(data_dir={str(tmp_path)!r})\n"
        "with run_lock(s.warehouse):\n    runs.record_run(s, 'killed-run', '2026-11', 'running')\n"
        "    print('running', flush=True)\n    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "running"
    with pytest.raises(WarehouseBusy), run_lock(wh):
        pass
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    time.sleep(0.1)
    with run_lock(wh):  # the kernel freed it with the process
        record_run(settings, "next-run", "2026-11", "running")
    with connect(wh) as con:
        runs = dict(con.sql("SELECT run_id, status FROM meta.runs").fetchall())
        note = con.sql("SELECT summary FROM meta.runs WHERE run_id = 'killed-run'").fetchall()[0][0]
    assert runs == {"killed-run": "interrupted", "next-run": "running"}
    assert "next-run" in note


def test_dixian_ingest_is_refused_in_one_line_while_a_run_holds_the_warehouse(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    listing = tmp_path / "list.csv"
    listing.write_text("姓名,身份证号,个人负担\n张三,,100\n", encoding="utf-8")
    settings = Settings.load(data_dir=data)
    with run_lock(settings.warehouse):
        out = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "ingest", str(listing), "--source", "medical_insurance",
             "--data-dir", str(data)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert out.returncode == 3, out.stdout + out.stderr
    assert "the warehouse is busy" in out.stdout and "Traceback" not in out.stderr
