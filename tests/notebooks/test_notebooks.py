"""Every notebook runs headless, as a script, on a small synthetic county; a failing cell fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import stages
from pipelines.settings import Settings
from pipelines.synth import generate_county

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))
PERIOD = "2026-11"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    data = tmp_path_factory.mktemp("nb-county")
    generate_county(data, households=200, seed=11, period=PERIOD)
    settings = Settings.load(data_dir=data, rules_dir=REPO / "rules")
    accounts = stages.stage_ingest(settings, PERIOD)
    matched = stages.stage_match(settings, PERIOD)
    stages.stage_rules(settings, PERIOD)
    stages.stage_export(settings, PERIOD, accounts, matched["match_stats"])
    stages.stage_publish(settings)
    return data


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {
        "month_at_a_glance.py",
        "match_quality.py",
        "rule_tuning.py",
        "starter.py",
    }


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless(county, notebook):
    env = {**os.environ, "DIXIAN_DATA": str(county), "DIXIAN_RULES": str(REPO / "rules")}
    out = subprocess.run(
        [sys.executable, str(notebook)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, f"{notebook.name} failed:\n{out.stderr[-3000:]}"
