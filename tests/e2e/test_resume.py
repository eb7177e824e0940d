"""A run that fails halfway, rerun, ends in the same warehouse state as one clean run."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines import progress
from pipelines.flows import monthly
from pipelines.flows.monthly import monthly_screening
from pipelines.synth import generate_county

PERIOD = "2026-11"
pytestmark = pytest.mark.slow

STATE = [
    "SELECT source, file, status, rows_read, rows_loaded, rows_quarantined, rows_ignored FROM meta.batches ORDER BY ALL",
    "SELECT count(*), count(DISTINCT row_key) FROM raw.medical_insurance",
    "SELECT source, row_key, person_id, match_status, match_method FROM link.matches ORDER BY ALL",
    "SELECT warning_id, household_id, rule_id, severity, evidence, status FROM warn.warnings ORDER BY ALL",
    "SELECT status FROM meta.runs ORDER BY started_at",
]


def _state(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return [con.sql(q).fetchall() for q in STATE[:-1]], [r[0] for r in con.sql(STATE[-1]).fetchall()]


def test_failed_run_then_rerun_equals_one_clean_run(tmp_path, monkeypatch):
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    generate_county(clean, households=150, seed=3, period=PERIOD)
    shutil.copytree(clean, broken)
    monthly_screening(period=PERIOD, data_dir=str(clean))

    def fail(*args, **kwargs):
        raise RuntimeError("injected failure after stage 'match'")

    with monkeypatch.context() as patch:  # the run dies between match and rules
        patch.setattr(monthly, "rules_task", fail)
        with pytest.raises(RuntimeError, match="injected failure"):
            monthly_screening(period=PERIOD, data_dir=str(broken))
    events: list[tuple[str, str]] = []
    listener = lambda stage, message: events.append((stage, message))  # noqa: E731
    progress.subscribe(listener)
    try:
        monthly_screening(period=PERIOD, data_dir=str(broken))
    finally:
        progress.unsubscribe(listener)
    # the rerun did not redo what had completed: ingest found every file loaded, match was skipped
    assert ("match", "unchanged since the last completed match: skipped") in events
    assert not any(stage == "match" and message.startswith("matched ") for stage, message in events)

    clean_state, clean_runs = _state(clean / "warehouse.duckdb")
    broken_state, broken_runs = _state(broken / "warehouse.duckdb")
    assert broken_state == clean_state
    assert clean_runs == ["completed"]
    assert broken_runs == ["failed", "completed"]
