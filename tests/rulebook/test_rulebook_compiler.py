"""The compiler and engine on hand-built facts tables: windows, segment thresholds, per person/household, order."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from pipelines.rulebook import (
    MissingFactsError,
    Rulebook,
    compile_rule,
    evaluate_rules,
    run_rule,
    window_bounds,
)
from pipelines.rulebook.examples import example_frame

from .conftest import PARAMS, make_rule


def insert(con, rows, source="medical_insurance", relation=None):
    frame = example_frame(source, rows)  # noqa: F841 - read by DuckDB
    con.sql(f"INSERT INTO {relation or 'link.facts_' + source} BY NAME SELECT * FROM frame")


def households(con, rule, period="2026-06"):
    return run_rule(con, compile_rule(rule, PARAMS, period))["household_id"].to_list()


@pytest.mark.parametrize(
    ("window", "period", "start", "end"),
    [
        ("period_month", "2026-06", date(2026, 6, 1), date(2026, 6, 30)),
        ("year_to_date", "2026-06", date(2026, 1, 1), date(2026, 6, 30)),
        ("last_3_months", "2026-06", date(2026, 4, 1), date(2026, 6, 30)),
        ("last_3_months", "2026-01", date(2025, 11, 1), date(2026, 1, 31)),
        ("last_12_months", "2026-06", date(2025, 7, 1), date(2026, 6, 30)),
        ("period_month", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_window_bounds(window, period, start, end):
    assert window_bounds(window, period) == (start, end)


@pytest.mark.parametrize(
    ("window", "inside", "outside"),
    [
        ("year_to_date", ["2026-01-01", "2026-06-30"], ["2025-12-31", "2026-07-01"]),
        ("period_month", ["2026-06-01", "2026-06-30"], ["2026-05-31", "2026-07-01"]),
        ("last_3_months", ["2026-04-01", "2026-06-30"], ["2026-03-31", "2026-07-01"]),
        ("last_12_months", ["2025-07-01", "2026-06-30"], ["2025-06-30", "2026-07-01"]),
    ],
)
def test_window_boundaries_are_inclusive_and_tight(con, window, inside, outside):
    rows = [
        {"household": f"IN{i}", "person": f"I{i}", "out_of_pocket": 9000, "settle_date": d}
        for i, d in enumerate(inside)
    ]
    rows += [
        {"household": f"OUT{i}", "person": f"O{i}", "out_of_pocket": 9000, "settle_date": d}
        for i, d in enumerate(outside)
    ]
    insert(con, rows)
    assert households(con, make_rule(window=window)) == ["IN0", "IN1"]


def test_thresholds_follow_the_segment(con):
    insert(con, [
        {"household": "H1", "person": "A", "out_of_pocket": 6000, "settle_date": "2026-02-01", "segment": "poverty_exit"},
        {"household": "H2", "person": "B", "out_of_pocket": 6000, "settle_date": "2026-02-01", "segment": "monitored"},
        {"household": "H3", "person": "C", "out_of_pocket": 6000, "settle_date": "2026-02-01", "segment": "ordinary"},
        {"household": "H4", "person": "D", "out_of_pocket": 20000, "settle_date": "2026-02-01", "segment": "ordinary"},
    ])  # fmt: skip
    hits = run_rule(con, compile_rule(make_rule(), PARAMS, "2026-06"))
    assert hits["household_id"].to_list() == ["H1", "H2", "H4"]
    assert hits["param_illness_out_of_pocket_ytd"].to_list() == [5000.0, 5000.0, 20000.0]
    assert hits["segment"].to_list() == ["poverty_exit", "monitored", "ordinary"]
    assert hits.schema["oop"] == pl.Float64
    # a rule limited to some segments ignores the others, whatever their figures
    assert households(con, make_rule(segments=("ordinary",))) == ["H4"]


def test_per_household_adds_members_per_person_does_not(con):
    insert(con, [
        {"household": "H1", "person": "A", "out_of_pocket": 3000, "settle_date": "2026-02-01"},
        {"household": "H1", "person": "B", "out_of_pocket": 3000, "settle_date": "2026-03-01"},
        {"household": "H2", "person": "C", "out_of_pocket": 2000, "settle_date": "2026-02-01"},
        {"household": "H2", "person": "D", "out_of_pocket": 5500, "settle_date": "2026-03-01"},
    ])  # fmt: skip
    by_household = run_rule(con, compile_rule(make_rule(), PARAMS, "2026-06"))
    assert by_household["household_id"].to_list() == ["H1", "H2"]
    assert by_household["person_ids"].to_list() == [["A", "B"], ["C", "D"]]
    by_person = run_rule(con, compile_rule(make_rule(per="person"), PARAMS, "2026-06"))
    assert by_person["household_id"].to_list() == ["H2"]
    assert by_person["person_ids"].to_list() == [["D"]]
    assert by_person["oop"].to_list() == [5500.0]


def test_output_is_sorted_and_unmatched_rows_are_ignored(con):
    insert(con, [
        {"household": "H9", "person": "Z", "out_of_pocket": 6000, "settle_date": "2026-02-01", "row_key": "r3"},
        {"household": "H1", "person": "B", "out_of_pocket": 3000, "settle_date": "2026-02-01", "row_key": "r2"},
        {"household": "H1", "person": "A", "out_of_pocket": 3000, "settle_date": "2026-03-01", "row_key": "r9"},
        {"household": "H1", "person": "A", "out_of_pocket": 100, "settle_date": "2026-03-02", "row_key": "r1"},
        {"household": None, "person": None, "out_of_pocket": 99999, "settle_date": "2026-03-01", "row_key": "r0"},
    ])  # fmt: skip
    hits = run_rule(con, compile_rule(make_rule(), PARAMS, "2026-06"))
    assert hits.columns == [
        "household_id",
        "person_ids",
        "row_keys",
        "segment",
        "oop",
        "param_illness_out_of_pocket_ytd",
    ]
    assert hits["household_id"].to_list() == ["H1", "H9"]
    assert hits["row_keys"].to_list() == [["r1", "r2", "r9"], ["r3"]]
    assert hits["person_ids"].to_list() == [["A", "B"], ["Z"]]


def test_where_and_count_distinct(con):
    insert(con, [
        {"household": "H1", "person": "A", "visit_type": "住院", "out_of_pocket": 1, "settle_date": "2026-06-01"},
        {"household": "H1", "person": "A", "visit_type": "住院", "out_of_pocket": 1, "settle_date": "2026-06-02"},
        {"household": "H2", "person": "B", "visit_type": "门诊", "out_of_pocket": 1, "settle_date": "2026-06-01"},
    ])  # fmt: skip
    rule = make_rule(where="visit_type = '住院'", measures={"people": "count_distinct(person_id)", "n": "count(*)"},
                     when="people >= 1 AND n >= 2", params=(), message="{people} 人 {n} 次")  # fmt: skip
    hits = run_rule(con, compile_rule(rule, PARAMS, "2026-06"))
    assert hits.select("household_id", "people", "n").rows() == [("H1", 1, 2)]


def test_evaluate_rules_sorts_by_household_then_rule_and_uses_relation_for(con):
    con.sql("CREATE SCHEMA staging")
    con.sql("CREATE TABLE staging.mi AS SELECT * FROM link.facts_medical_insurance")
    insert(con, [
        {"household": "H2", "person": "A", "out_of_pocket": 6000, "settle_date": "2026-02-01"},
        {"household": "H1", "person": "B", "out_of_pocket": 6000, "settle_date": "2026-06-01"},
    ], relation="staging.mi")  # fmt: skip
    rulebook = Rulebook(rules=(make_rule(id="TST-002"), make_rule(id="TST-001", window="period_month")))
    hits = evaluate_rules(
        con, rulebook, PARAMS, "2026-06", relation_for=lambda s: {"medical_insurance": "staging.mi"}[s]
    )
    assert hits.select("household_id", "rule_id").rows() == [
        ("H1", "TST-001"),
        ("H1", "TST-002"),
        ("H2", "TST-002"),
    ]
    assert hits["message"][0] == "自付 6,000 元，超过 5,000 元"
    assert json.loads(hits["measures"][0]) == {"oop": 6000, "param_illness_out_of_pocket_ytd": 5000}
    # default relation is empty: no hits, and an empty frame still has the full schema
    empty = evaluate_rules(con, rulebook, PARAMS, "2026-06")
    assert empty.height == 0 and empty.schema["person_ids"] == pl.List(pl.String)


def test_missing_facts_relation_is_a_clear_error(con):
    with pytest.raises(MissingFactsError, match=r"link\.facts_nowhere"):
        evaluate_rules(
            con,
            Rulebook(rules=(make_rule(),)),
            PARAMS,
            "2026-06",
            relation_for=lambda s: "link.facts_nowhere",
        )
