"""A load killed inside its transaction leaves the warehouse as it was; the rerun loads the file once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipelines.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
LOAD = """
import sys, time
from pathlib import Path
import pipelines.ingest.loader as loader
from pipelines.ingest.inbox import ingest_paths
from pipelines.warehouse import connect

record = loader._record_batch
def record_then_pause(*args, **kwargs):  # the last write before COMMIT: wait there to be killed
    record(*args, **kwargs)
    Path(sys.argv[3]).write_text("paused")
    time.sleep(120)
loader._record_batch = record_then_pause

with connect(sys.argv[1]) as con:
    ingest_paths(con, [Path(sys.argv[2])], "medical_insurance", period="2026-11")
"""


def counts(db: Path) -> tuple:
    with connect(db) as con:
        return con.sql(
            "SELECT (SELECT count(*) FROM raw.medical_insurance), (SELECT count(*) FROM meta.batches),"
            " (SELECT count(*) FROM quarantine.rows), (SELECT count(*) FROM meta.ignored)"
        ).fetchall()[0]


def test_killed_mid_transaction_leaves_nothing_and_rerun_completes(tmp_path):
    db = tmp_path / "wh.duckdb"
    first = tmp_path / "first.csv"
    first.write_text("参保人姓名,结算日期,总费用,个人负担\n甲,2026-10-01,10,1\n", encoding="utf-8")
    f = tmp_path / "big.csv"
    lines = ["参保人姓名,公民身份号码,结算日期,总费用,个人负担"]
    lines += [f"人{i},,2026-11-{1 + i % 28:02d},{100 + i},{i % 50}" for i in range(2000)]
    lines += ["坏,,not a date,1,1", "合计,,,,"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with connect(db) as con:  # something already in the warehouse, which must survive
        from pipelines.ingest.inbox import ingest_paths

        ingest_paths(con, [first], "medical_insurance", period="2026-10")
    before = counts(db)

    marker = tmp_path / "paused"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", LOAD, str(db), str(f), str(marker)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the loader exited before pausing"
            assert time.monotonic() < deadline, "the loader never reached its transaction"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)

    assert counts(db) == before  # no partial batch: rows, batch record, quarantine, ignored all absent

    with connect(db) as con:
        from pipelines.ingest.inbox import ingest_paths

        [account] = ingest_paths(con, [f], "medical_insurance", period="2026-11")
        assert (account.status, account.rows_loaded, account.rows_quarantined, account.rows_ignored) == (
            "loaded",
            2000,
            1,
            1,
        )
        [again] = ingest_paths(con, [f], "medical_insurance", period="2026-11")
        assert again.status == "skipped"
    assert counts(db) == (before[0] + 2000, before[1] + 1, before[2] + 1, before[3] + 1)
