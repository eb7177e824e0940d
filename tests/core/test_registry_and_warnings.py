from datetime import date

import polars as pl
import pytest

from pipelines.period import Period, PeriodError
from pipelines.registry import RegistryMissing, build_core, segment_expr
from pipelines.warehouse import connect
from pipelines.warnings import build_warnings
from pipelines.workdays import WorkCalendar


@pytest.mark.parametrize(
    ("household_type", "monitoring_type", "eliminated", "segment"),
    [
        ("脱贫户", None, None, "poverty_exit"),
        ("脱贫户", "脱贫不稳定户", "否", "monitored"),
        ("一般农户", "边缘易致贫户", "否", "monitored"),
        ("一般农户", "突发严重困难户", "是", "ordinary"),  # risk eliminated: back to its own segment
        ("脱贫户", "脱贫不稳定户", "是", "poverty_exit"),
        ("一般农户", "", None, "ordinary"),
    ],
)
def test_segments(household_type, monitoring_type, eliminated, segment):
    frame = pl.DataFrame(
        {
            "household_type": [household_type],
            "monitoring_type": [monitoring_type],
            "risk_eliminated": [eliminated],
        },
        schema={"household_type": pl.String, "monitoring_type": pl.String, "risk_eliminated": pl.String},
    )
    assert frame.select(segment_expr()).item() == segment


def test_period_parsing_and_bounds():
    p = Period.parse("2026-02")
    assert str(p) == "2026-02"
    assert (p.start, p.end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert str(p.shift(-2)) == "2025-12"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "2026-2", "26-11", "2026/11", "202611", ""])
def test_a_period_is_strictly_yyyy_mm(text):
    """One format everywhere (issue 15): 2026-1 once ran a whole flow on an empty inbox."""
    with pytest.raises(PeriodError, match="YYYY-MM"):
        Period.parse(text)


def test_due_date_counts_working_days():
    # 2026-11-01 is a Sunday: 5 working days later is Friday 6 November.
    assert WorkCalendar().working_days_after(date(2026, 11, 1), 5) == date(2026, 11, 6)
    assert WorkCalendar().working_days_after(date(2026, 11, 6), 1) == date(2026, 11, 9)


def test_build_core_without_registry_is_a_clear_error():
    con = connect(":memory:")
    with pytest.raises(RegistryMissing, match="data/registry"):
        build_core(con)


def _seed_core(con):
    con.execute("""
        CREATE OR REPLACE TABLE core.households AS SELECT * FROM (VALUES
            ('H1', '仁里镇', '桃源村', '第一村民小组', '脱贫户', NULL, 'poverty_exit', '张三'))
            t(household_id, township, village, "group", household_type, monitoring_type, segment, head_name)""")
    con.execute("""
        CREATE OR REPLACE TABLE core.persons AS SELECT * FROM (VALUES
            ('P1', 'H1', '张三', '341722199001011235'), ('P2', 'H1', '李梅', '341722199202021234'))
            t(person_id, household_id, name, id_number)""")
    con.execute(
        "INSERT INTO link.matches VALUES ('medical_insurance', 'r1', '2026-10', 'P2', 'H1', 'matched', 'id_exact', 1.0, '身份证号一致，姓名一致', 'valid')"
    )


def _hits():
    return pl.DataFrame(
        {
            "rule_id": ["ILL-001"],
            "cause": ["illness"],
            "cause_label": ["因病"],
            "title": ["年内医疗个人自付费用偏高"],
            "severity": ["red"],
            "source": ["medical_insurance"],
            "department": ["医疗保障局"],
            "household_id": ["H1"],
            "person_ids": [["P2"]],
            "row_keys": [["r1"]],
            "measures": ["{}"],
            "message": ["自付 6,000 元"],
        }
    )


def test_warnings_join_households_and_become_repeated_next_period():
    con = connect(":memory:")
    _seed_core(con)
    first = build_warnings(con, _hits(), "2026-10").row(0, named=True)
    assert (first["township"], first["person_names"], first["status"]) == ("仁里镇", "李梅", "new")
    assert first["match_evidence"] == "身份证号一致，姓名一致"
    assert first["warning_id"] == "2026-10-H1-ILL-001"
    build_warnings(con, _hits(), "2026-10")  # rerun of the same period replaces, never duplicates
    assert con.sql("SELECT count(*) FROM warn.warnings").fetchall() == [(1,)]
    second = build_warnings(con, _hits(), "2026-11").row(0, named=True)
    assert (second["status"], second["first_seen"]) == ("repeated", "2026-10")
