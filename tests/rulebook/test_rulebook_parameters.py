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
            "parameters.yaml:3: parameter 'illness.x': expected a number",
        ),
        ("years:\n  26:\n    illness.x: 1\n", "parameters.yaml:2: year 26 is not a year"),
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
