from pathlib import Path

import duckdb
import polars as pl

from pipelines.rulebook import load_parameters, load_rulebook
from pipelines.rulebook.examples import build_example_facts
from pipelines.rulebook.whatif import override, sweep

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_sweep_counts_fall_as_the_threshold_rises_and_precision_uses_verifications():
    params = load_parameters(RULES / "parameters.yaml")
    rulebook = load_rulebook(RULES, params)
    con = duckdb.connect()
    build_example_facts(
        con,
        {
            "medical_insurance": [
                {"household": "H1", "person": "A", "out_of_pocket": 4000, "settle_date": "2026-03-01"},
                {"household": "H2", "person": "B", "out_of_pocket": 8000, "settle_date": "2026-03-01"},
                {"household": "H3", "person": "C", "out_of_pocket": 16000, "settle_date": "2026-03-01"},
            ]
        },
    )
    verifications = pl.DataFrame({"household_id": ["H2", "H3"], "outcome": ["无风险", "风险属实-纳入监测"]})
    out = sweep(
        con,
        rulebook,
        params,
        "2026-06",
        "ILL-001",
        "illness.out_of_pocket_ytd",
        [3000, 5000, 10000, 20000],
        verifications=verifications,
    )
    assert out.get_column("households").to_list() == [3, 2, 1, 0]
    assert out.get_column("precision").to_list() == [0.5, 0.5, 1.0, None]


def test_override_one_segment_keeps_the_others():
    params = load_parameters(RULES / "parameters.yaml")
    changed = override(params, "illness.out_of_pocket_ytd", "2026-06", 7000, segment="poverty_exit")
    assert changed.value_for("illness.out_of_pocket_ytd", "2026-06", "poverty_exit") == 7000
    assert changed.value_for("illness.out_of_pocket_ytd", "2026-06", "ordinary") == params.value_for(
        "illness.out_of_pocket_ytd", "2026-06", "ordinary"
    )
    # the values of rules/parameters.yaml: the other segments keep theirs, and the parameters the
    # override started from are left as they were (the notebook sweeps many values from one of them)
    name = "illness.out_of_pocket_ytd"
    assert changed.value(name, "2026-06") == {"poverty_exit": 7000, "monitored": 5000, "ordinary": 20000}
    assert params.value(name, "2026-06") == {"poverty_exit": 5000, "monitored": 5000, "ordinary": 20000}
