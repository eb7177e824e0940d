"""Logs and terminal output of a real run never show a full ID number."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.synth import generate_county

REPO = Path(__file__).resolve().parents[2]
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")

pytestmark = pytest.mark.slow


def test_a_verbose_run_prints_no_full_id_number(tmp_path):
    generate_county(tmp_path, households=120, seed=9, period="2026-11")
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "DEBUG", "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--period", "2026-11", "--data-dir", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout + out.stderr
    assert "预警" in text and "matched" in text  # the run really reported
    leaked = FULL_ID.findall(text)
    assert not leaked, f"full ID numbers in the output: {leaked[:3]}"
