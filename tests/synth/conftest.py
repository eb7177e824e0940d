from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.synth import SynthResult, generate_county

SMALL = 300


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate_county(tmp_path_factory.mktemp("county_a"), households=SMALL, seed=7)


@pytest.fixture(scope="session")
def county_again(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate_county(tmp_path_factory.mktemp("county_b"), households=SMALL, seed=7)


@pytest.fixture(scope="session")
def county_other_seed(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate_county(tmp_path_factory.mktemp("county_c"), households=SMALL, seed=8)


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())
