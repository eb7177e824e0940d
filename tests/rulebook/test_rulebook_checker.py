"""The checker: a table of bad rule files, each with the error fragment it must produce, at the right line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.rulebook import ExpressionError, RulebookError, check_expression, compile_rule, load_rulebook

from .conftest import PARAMS, make_rule

PARAMETERS = """\
years:
  2026:
    illness.out_of_pocket_ytd: {poverty_exit: 5000, monitored: 5000, ordinary: 20000}
"""

GOOD = """\
cause: illness
cause_label: 因病
rules:
  - id: ILL-001
    title: 年内自付偏高
    source: medical_insurance
    segments: [poverty_exit, monitored]
    window: year_to_date
    per: household
    where: visit_type = '住院'
    measures:
      oop: sum(out_of_pocket)
    when: oop >= param('illness.out_of_pocket_ytd')
    severity: red
    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元
    description: 测试规则。
    examples:
      - name: fires
        given: {medical_insurance: [{household: H1, visit_type: 住院, out_of_pocket: 6000, settle_date: 2026-03-01}]}
        expect: [{household: H1}]
"""


def write_rules(tmp_path: Path, files: dict[str, str]) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "parameters.yaml").write_text(PARAMETERS, encoding="utf-8")
    for name, text in files.items():
        (rules / name).write_text(text, encoding="utf-8")
    return rules


# (description, line of GOOD to replace, replacement, expected fragment); the error must name the replaced line
CASES = [
    ("unknown column lists the source's columns", "    where: visit_type = '住院'", "    where: self_pay > 0",
     "rule ILL-001: where: unknown column 'self_pay'; medical_insurance has ['claim_no'"),
    ("a second statement is rejected", "    where: visit_type = '住院'", "    where: out_of_pocket > 1; DROP TABLE x",
     "';' is not allowed"),
    ("a subquery is rejected", "    where: visit_type = '住院'",
     "    where: out_of_pocket > (SELECT max(loss) FROM link.facts_emergency)", "subqueries are not allowed"),
    ("IN over a subquery is rejected", "    where: visit_type = '住院'",
     "    where: household_id IN (SELECT household_id FROM core.households)", "IN takes a list of values"),
    ("an unknown function is rejected", "    where: visit_type = '住院'", "    where: read_csv('x') > 0",
     "unknown function 'read_csv'"),
    ("star outside count", "      oop: sum(out_of_pocket)", "      oop: sum(*)", "'*' is only allowed as count(*)"),
    ("a qualified column is rejected", "    where: visit_type = '住院'", "    where: x.visit_type = '住院'",
     "qualified column"),
    ("a measure needs an aggregate", "      oop: sum(out_of_pocket)", "      oop: out_of_pocket",
     "must be inside an aggregate"),
    ("when refers to measures, not source columns", "    when: oop >= param('illness.out_of_pocket_ytd')",
     "    when: out_of_pocket >= 1", "unknown column 'out_of_pocket'; the measures has ['oop']"),
    ("aggregate in where", "    where: visit_type = '住院'", "    where: sum(out_of_pocket) > 1",
     "aggregate sum() is not allowed in 'where'"),
    ("unknown parameter", "    when: oop >= param('illness.out_of_pocket_ytd')", "    when: oop >= param('illness.nope')",
     "unknown parameter 'illness.nope'; rules/parameters.yaml has ['illness.out_of_pocket_ytd']"),
    ("placeholder that is not a measure", "    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元",
     "    message: 自付 {self_pay:,.0f} 元", "message placeholder '{self_pay}' is not a measure; measures: ['oop']"),
    ("unknown source", "    source: medical_insurance", "    source: tax", "unknown source 'tax'"),
    ("unknown window", "    window: year_to_date", "    window: last_week", "unknown window 'last_week'"),
    ("unknown segment", "    segments: [poverty_exit, monitored]", "    segments: [poverty_exit, rich]",
     "unknown segments"),
    ("unknown severity", "    severity: red", "    severity: purple", "unknown severity 'purple'"),
    ("unknown per", "    per: household", "    per: village", "unknown per 'village'"),
    ("unknown cause", "cause: illness", "cause: weather", "unknown cause 'weather'"),
    ("cause label must match", "cause_label: 因病", "cause_label: 因灾", "does not match cause 'illness'"),
    ("unknown key (a typo) is an error", "    window: year_to_date", "    window: year_to_date\n    wehre: x > 1",
     "unknown key 'wehre'"),
    ("missing required key", "    severity: red", "", "missing required key(s) ['severity']"),
    ("example with an unknown column", "        expect: [{household: H1}]",
     "        expect: [{household: H1}]\n      - name: bad\n        given: {medical_insurance: [{household: H2, self_pay: 1}]}\n        expect: []",
     "example 'bad': unknown column 'self_pay'"),
    ("YAML syntax error", "    per: household", "    per: [household", "YAML syntax"),
    # hostile templates (issue 13): a nested or huge width wrote 50 MB strings; conversions and attributes
    ("a nested width in a message", "    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元", "    message: 自付 {oop:>{param}}",
     "only plain number formats are allowed"),
    ("a huge width in a message", "    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元", "    message: 自付 {oop:99999999}",
     "only plain number formats are allowed"),
    ("a conversion in a message", "    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元", "    message: 自付 {oop!r}",
     "only plain number formats are allowed"),
    ("an attribute in a message", "    message: 自付 {oop:,.0f} 元，超过 {param:,.0f} 元", "    message: 自付 {oop.__class__}",
     "is not a measure"),
]  # fmt: skip


# where the error must point when it is not the first replaced line
AT = {"unknown key (a typo) is an error": "wehre", "example with an unknown column": "self_pay: 1"}


@pytest.mark.parametrize(("description", "old", "new", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_bad_rule_file_is_reported_with_file_and_line(tmp_path, description, old, new, fragment):
    assert old in GOOD, description
    text = GOOD.replace(old, new)
    rules = write_rules(tmp_path, {"illness.yaml": text})
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    message = str(info.value)
    assert fragment in message, f"{description}: {message}"
    issue = next(i for i in info.value.issues if fragment in str(i) or fragment in i.message)
    assert issue.file == "rules/illness.yaml", description
    if new and "YAML" not in fragment:
        at = AT.get(description, new.splitlines()[0].strip())
        expected = next(n for n, line in enumerate(text.splitlines(), 1) if at in line)
        assert issue.line == expected, f"{description}: line {issue.line}, expected {expected}"
        assert f"rules/illness.yaml:{expected}:" in message


def test_the_good_file_loads(tmp_path):
    rulebook = load_rulebook(write_rules(tmp_path, {"illness.yaml": GOOD}))
    assert [r.id for r in rulebook] == ["ILL-001"]
    assert rulebook.get("ILL-001").params == ("illness.out_of_pocket_ytd",)


def test_error_names_the_exact_line_of_the_bad_column(tmp_path):
    rules = write_rules(tmp_path, {"illness.yaml": GOOD.replace("visit_type = '住院'", "self_pay > 0")})
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    assert str(info.value.issues[0]).startswith(
        "rules/illness.yaml:10: rule ILL-001: where: unknown column 'self_pay'"
    )


def test_all_errors_are_collected_across_files(tmp_path):
    bad = GOOD.replace("severity: red", "severity: purple").replace("window: year_to_date", "window: never")
    rules = write_rules(tmp_path, {"illness.yaml": bad, "more.yaml": GOOD})
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    assert len(info.value.issues) == 2
    assert {i.file for i in info.value.issues} == {"rules/illness.yaml"}


def test_duplicate_ids_across_files(tmp_path):
    rules = write_rules(tmp_path, {"a.yaml": GOOD, "b.yaml": GOOD})
    with pytest.raises(
        RulebookError,
        match=r"rules/b\.yaml:4: rule ILL-001: duplicate rule id; first defined at rules/a\.yaml:4",
    ):
        load_rulebook(rules)


def test_parameter_missing_a_segment_the_rule_covers(tmp_path):
    rules = write_rules(
        tmp_path, {"illness.yaml": GOOD.replace("[poverty_exit, monitored]", "[ordinary, monitored]")}
    )
    (rules / "parameters.yaml").write_text(PARAMETERS.replace(", ordinary: 20000", ""), encoding="utf-8")
    with pytest.raises(RulebookError, match=r"no value for segment\(s\) \['ordinary'\]"):
        load_rulebook(rules)


@pytest.mark.parametrize(
    "text",
    [
        "out_of_pocket > 1; DROP TABLE x",
        "out_of_pocket > (SELECT 1)",
        "pragma_version() > 1",
        "1 = 1 UNION SELECT 1",
    ],
)
def test_compiler_rechecks_hand_built_rules_and_never_emits_injected_sql(text):
    with pytest.raises(ExpressionError):
        compile_rule(make_rule(where=text), PARAMS, "2026-06")


def test_checker_reports_what_an_expression_uses():
    checked = check_expression(
        "age BETWEEN param('a.min') AND param('a.max') AND sex = '女'", "row", ["age", "sex"]
    )
    assert checked.problems == []
    assert checked.params == ["a.min", "a.max"] and checked.columns == ["age", "sex"]


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path):
    bomb = "a: &a [" + ",".join(["lol"] * 9) + "]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    rules = write_rules(tmp_path, {"illness.yaml": bomb})
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(RulebookError) as info:
        load_rulebook(rules)
    assert "aliases" in str(info.value) and "rules/illness.yaml:1" in str(info.value)
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100  # MB


def test_a_few_aliases_are_still_fine(tmp_path):
    text = GOOD.replace(
        "    segments: [poverty_exit, monitored]", "    segments: &seg [poverty_exit, monitored]"
    )
    rulebook = load_rulebook(write_rules(tmp_path, {"illness.yaml": text}))
    assert [r.id for r in rulebook] == ["ILL-001"]


def test_an_alias_bomb_reached_through_a_shared_sibling_is_refused_too(tmp_path):
    """A child first met through a sibling must still be sized before its parent (a review found the
    first guard counted it as one value)."""
    levels = ["&a0 [" + ",".join(["x"] * 10) + "]"]
    levels += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    text = "segments: [[" + ", ".join(levels) + "], *a7, *a6, *a0]\n"
    with pytest.raises(RulebookError) as info:
        load_rulebook(write_rules(tmp_path, {"illness.yaml": text}))
    assert "aliases" in str(info.value)
