"""Shared helpers for rulebook tests: the shipped rules directory and hand-built facts tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.rulebook import Parameters, Rule, build_example_facts

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture
def con():
    """A fresh in-memory DuckDB with every department's (empty) facts table."""
    c = duckdb.connect(":memory:")
    build_example_facts(c, {})
    yield c
    c.close()


def make_rule(**overrides: Any) -> Rule:
    """A household out-of-pocket rule like ILL-001, with fields overridable per test."""
    base: dict[str, Any] = dict(
        id="TST-001",
        cause="illness",
        cause_label="因病",
        title="测试规则",
        source="medical_insurance",
        segments=("poverty_exit", "monitored", "ordinary"),
        window="year_to_date",
        per="household",
        where=None,
        measures={"oop": "sum(out_of_pocket)"},
        when="oop >= param('illness.out_of_pocket_ytd')",
        severity="red",
        message="自付 {oop:,.0f} 元，超过 {param:,.0f} 元",
        description="测试",
        examples=(),
        params=("illness.out_of_pocket_ytd",),
    )
    base.update(overrides)
    return Rule(**base)


PARAMS = Parameters(
    years={
        2026: {
            "illness.out_of_pocket_ytd": {"poverty_exit": 5000.0, "monitored": 5000.0, "ordinary": 20000.0}
        }
    }
)
