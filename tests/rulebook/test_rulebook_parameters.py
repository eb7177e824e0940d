"""Parameters by year: the value in force is the latest year at or before the period's year, per name."""

from __future__ import annotations

import pytest

from pipelines.rulebook import ParameterError, ParameterNotInForceError, compile_rule, load_parameters

from .conftest import make_rule

TEXT = """\
years:
  2026:
    illness.out_of_pocket_ytd: {poverty_exit: 5000, monitored: 5000, ordinary: 20000}
    common.working_age_max: 60
  2028:
    illness.out_of_pocket_ytd: {poverty_exit: 6000, monitored: 6000, ordinary: 26000}
"""


@pytest.fixture
def params(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(TEXT, encoding="utf-8")
    return load_parameters(path)


@pytest.mark.parametrize(
    ("period", "segment", "expected"),
    [
        ("2026-01", "poverty_exit", 5000.0),
        ("2027-12", "ordinary", 20000.0),  # no 2027 block: 2026 still applies
        ("2028-01", "poverty_exit", 6000.0),
        ("2031-06", "ordinary", 26000.0),
    ],
)
def test_value_by_year_and_segment(params, period, segment, expected):
    assert params.value_for("illness.out_of_pocket_ytd", period, segment) == expected


def test_a_name_absent_from_a_later_year_keeps_its_earlier_value(params):
    assert params.value("common.working_age_max", "2029-03") == 60.0


def test_before_the_first_year_is_an_error_that_names_the_years(params):
    with pytest.raises(ParameterNotInForceError, match=r"2025-12.*\[2026, 2028\]"):
        params.value("illness.out_of_pocket_ytd", "2025-12")


def test_compiled_sql_uses_the_value_in_force(params):
    assert "20000.0" in compile_rule(make_rule(), params, "2027-06").sql
    sql_2028 = compile_rule(make_rule(), params, "2028-06").sql
    assert "26000.0" in sql_2028 and "20000.0" not in sql_2028


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "years:\n  2026:\n    illness.x: {poor: 1}\n",
            "parameters.yaml:3: parameter 'illness.x': unknown segment(s) ['poor']",
        ),
        (
            "years:\n  2026:\n    illness.x: lots\n",
            "parameters.yaml:3: parameter 'illness.x': expected a finite number",
        ),
        ("years:\n  26:\n    illness.x: 1\n", "parameters.yaml:2: year 26 is not a year"),
        # hostile values (issue 13): these passed the check and crashed the run, or crashed the check
        (
            "years:\n  2026:\n    illness.x: .inf\n",
            "parameters.yaml:3: parameter 'illness.x': expected a finite number",
        ),
        (
            "years:\n  2026:\n    illness.x: .nan\n",
            "parameters.yaml:3: parameter 'illness.x': expected a finite number",
        ),
        (
            "years:\n  2026:\n    illness.x: 1" + "0" * 400 + "\n",
            "expected a finite number up to 1e+12 or {segment: number}, got 'a 401-digit number'",
        ),
        ("years:\n  2026:\n    illness.x: {ordinary: -.inf}\n", "is not a finite number"),
        ("years:\n  2026:\n    IllnessX: 1\n", "parameter name 'IllnessX'"),
        ("thresholds: {}\n", "expected a top-level 'years:' mapping"),
    ],
)
def test_bad_parameter_files(tmp_path, text, fragment):
    path = tmp_path / "parameters.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_parameters(path, display="rules/parameters.yaml")
    assert fragment in str(info.value)


def test_labels_give_parameters_their_chinese_wording(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(
        TEXT + "labels:\n  illness.out_of_pocket_ytd: 年内医疗个人自付预警线（元）\n", encoding="utf-8"
    )
    params = load_parameters(path)
    assert params.label("illness.out_of_pocket_ytd") == "年内医疗个人自付预警线（元）"
    assert params.label("common.working_age_max") == "common.working_age_max"  # no label: the name


def test_a_label_for_an_unknown_parameter_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(TEXT + "labels:\n  illness.self_pay: 错字\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"parameters.yaml:8: .*'illness.self_pay' is not a parameter"):
        load_parameters(path)


def test_the_shipped_rule_sheet_reads_in_chinese():
    from pathlib import Path

    from pipelines.rulebook import describe_rules, load_rulebook

    rules = Path(__file__).resolve().parents[2] / "rules"
    params = load_parameters(rules / "parameters.yaml")
    sheet = describe_rules(load_rulebook(rules, params), params, "2026-11")
    text = "".join(sheet.get_column("thresholds").to_list())
    assert "年内医疗个人自付预警线（元）" in text
    assert "illness." not in text and "common." not in text
