"""Risk types are named as the national monitoring system names its 风险类型; department signals that are
not risk types say so; rule files written with the older labels still load, shown with the national name."""

from __future__ import annotations

import pytest

from pipelines.rulebook import describe_rules, load_parameters, load_rulebook
from pipelines.rulebook.errors import RulebookError
from pipelines.rulebook.models import CAUSE_LABELS, LEGACY_CAUSE_LABELS, RISK_TYPES, SIGNAL_CAUSES
from pipelines.settings import REPO_ROOT

from .test_rulebook_checker import GOOD, write_rules

NATIONAL = {"因病", "因学", "因自然灾害", "因残", "因产业项目失败", "因务工就业不稳", "因意外事故",
            "住房出现安全问题", "饮水安全问题"}  # fmt: skip


def test_every_risk_cause_carries_a_national_risk_type_and_signals_are_marked():
    risks = {c: label for c, label in CAUSE_LABELS.items() if c not in SIGNAL_CAUSES and c != "exclusion"}
    assert set(risks.values()) == NATIONAL
    assert all(CAUSE_LABELS[c].endswith("（信号）") for c in SIGNAL_CAUSES)


def test_the_shipped_rules_show_national_names_and_signal_notes():
    rules_dir = REPO_ROOT / "rules"
    params = load_parameters(rules_dir / "parameters.yaml")
    book = load_rulebook(rules_dir, params)
    for rule in book:  # the cause's national name, or the 风险类型 a signal rule maps onto
        assert rule.cause_label == CAUSE_LABELS[rule.cause] or rule.cause_label in RISK_TYPES, rule.id
    assert book.get("AST-002").cause_label == "缺劳动力"  # a working-age death: the household lacks labour
    described = describe_rules(book, params, "2026-11")
    for row in described.iter_rows(named=True):
        signal = row["cause_label"].endswith("（信号）")
        assert ("非风险类型" in row["description"]) is signal, row["rule_id"]


@pytest.mark.parametrize(("old", "cause"), sorted(LEGACY_CAUSE_LABELS.items()))
def test_an_older_label_still_loads_and_shows_the_national_name(tmp_path, old, cause):
    text = GOOD.replace("cause: illness", f"cause: {cause}").replace(
        "cause_label: 因病", f"cause_label: {old}"
    )
    book = load_rulebook(write_rules(tmp_path, {"x.yaml": text}))
    assert {r.cause_label for r in book} == {CAUSE_LABELS[cause]}


def test_an_older_label_of_another_cause_is_still_refused(tmp_path):
    text = GOOD.replace("cause_label: 因病", "cause_label: 因灾")
    with pytest.raises(RulebookError, match="does not match cause 'illness'"):
        load_rulebook(write_rules(tmp_path, {"x.yaml": text}))


def test_a_rule_maps_onto_a_national_risk_type_only_by_its_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    named = GOOD.replace(
        "    source: medical_insurance", "    risk_type: 其他\n    source: medical_insurance"
    )
    assert {r.cause_label for r in load_rulebook(write_rules(tmp_path / "a", {"x.yaml": named}))} == {"其他"}
    bad = GOOD.replace("    source: medical_insurance", "    risk_type: 因穷\n    source: medical_insurance")
    with pytest.raises(RulebookError, match="unknown risk_type '因穷'"):
        load_rulebook(write_rules(tmp_path / "b", {"x.yaml": bad}))
