"""Shared test set-up: offline Prefect in a throw-away home, hypothesis without wall-clock deadlines."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import settings

# Timings belong in benchmarks/: polars' first call in a process can exceed any deadline.
settings.register_profile("dixian", deadline=None, max_examples=60)
settings.load_profile("dixian")

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="dixian-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(autouse=True)
def _builtin_catalogue():
    """Each test starts from the built-in source catalogue: a county's own sources, activated by a
    Settings of some earlier test's data folder, never leak into the next test."""
    from schemas.catalogue import use_county

    use_county(None)
    yield
    use_county(None)
