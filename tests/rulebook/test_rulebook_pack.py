"""The shipped rule pack: it loads, and every example in it passes (pytest runs `dixian rules test`)."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines.rulebook import (
    build_example_facts,
    describe_rules,
    evaluate_rules,
    load_parameters,
    load_rulebook,
    run_examples,
)
from pipelines.rulebook.models import CAUSE_LABELS

from .conftest import RULES_DIR


@pytest.fixture(scope="module")
def pack():
    return load_rulebook(RULES_DIR), load_parameters(RULES_DIR / "parameters.yaml")


def test_every_example_of_the_pack_passes(pack):
    results = run_examples(*pack)
    failed = [str(r) for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    assert len(results) >= 2 * len(pack[0])


def test_every_rule_has_an_example_that_fires_and_one_that_does_not(pack):
    for rule in pack[0]:
        assert any(ex.expect for ex in rule.examples), f"{rule.id}: no example that fires"
        assert any(not ex.expect for ex in rule.examples), f"{rule.id}: no example that stays quiet"


def test_pack_covers_the_required_rules(pack):
    ids = {r.id for r in pack[0]}
    required = {"ILL-001", "ILL-002", "SCH-001", "SCH-002", "DSR-001", "DAB-001", "IND-001", "EMP-001", "ACC-001",
                "AST-001", "AST-002", "HOU-001", "WAT-001", "INC-001", "EXC-001", "EXC-002", "EXC-003", "EXC-004"}  # fmt: skip
    assert required <= ids
    assert {r.cause for r in pack[0]} == set(CAUSE_LABELS)


def test_an_example_that_lies_is_reported_as_failed(pack):
    rulebook, params = pack
    rule = rulebook.get("ILL-001")
    from dataclasses import replace

    liar = replace(rule, examples=(replace(rule.examples[0], expect=("H9",)),))
    [result] = run_examples(type(rulebook)(rules=(liar,)), params)
    assert not result.passed
    assert result.expected == ("H9",) and result.actual == ("H1",)


def test_evaluate_rules_on_example_facts_renders_evidence_and_message(pack):
    rulebook, params = pack
    con = duckdb.connect(":memory:")
    build_example_facts(con, rulebook.get("ILL-001").examples[0].given)
    hits = evaluate_rules(con, rulebook, params, "2026-06")
    assert hits.columns == ["rule_id", "cause", "cause_label", "title", "severity", "source", "department",
                            "household_id", "person_ids", "row_keys", "measures", "message"]  # fmt: skip
    [hit] = hits.to_dicts()
    assert hit["rule_id"] == "ILL-001" and hit["department"] == "医疗保障局"
    assert hit["person_ids"] == ["A", "B"]
    assert json.loads(hit["measures"]) == {"out_of_pocket_total": 5500, "claims": 2,
                                           "param_illness_out_of_pocket_ytd": 5000}  # fmt: skip
    assert "5,500 元" in hit["message"] and "5,000 元" in hit["message"]


def test_describe_rules_spells_out_thresholds_in_force(pack):
    rulebook, params = pack
    sheet = describe_rules(rulebook, params, "2026-06")
    assert sheet.height == len(rulebook)
    row = sheet.filter(sheet["rule_id"] == "ILL-001").to_dicts()[0]
    assert row["department"] == "医疗保障局"
    assert "脱贫户 5,000" in row["thresholds"] and "一般农户 20,000" in row["thresholds"]
    assert all(sheet["description"].str.len_chars() > 5)
    # each rule once, with its own description first (a note on what the signal means may follow)
    described = dict(zip(sheet["rule_id"].to_list(), sheet["description"].to_list(), strict=True))
    assert set(described) == {rule.id for rule in rulebook}
    for rule in rulebook:
        assert described[rule.id].startswith(rule.description), rule.id
