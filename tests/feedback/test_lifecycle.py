"""Warning lifecycle over three consecutive periods: new → repeated → suppressed → escalated, and closing."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from feedback_cases import P1, P2, P3, build, export, fill, ok

from pipelines.feedback import import_feedback
from pipelines.warnings import (
    LifecycleParams,
    build_warnings,
    lifecycle_params,
    measure_growth,
    months_between,
)


def rows_of(ws) -> list[dict]:
    """The verification sheet's rows by header (columns are found by header, as the importer does)."""
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def status(con, period: str) -> dict[tuple[str, str], str]:
    rows = con.sql(
        "SELECT household_id, rule_id, status FROM warn.warnings WHERE period = ?", params=[period]
    ).fetchall()
    return {(hh, rule): s for hh, rule, s in rows}


def test_three_periods_new_repeated_suppressed_escalated_closed(con, tmp_path):
    build(con, P1, [("H1", "ILL-001", 6000), ("H2", "ILL-001", 7000), ("H3", "ILL-001", 8000)])
    assert set(status(con, P1).values()) == {"new"}
    returned = fill(export(con, tmp_path, P1), {"H3": ok("无风险", date(2026, 10, 15))})
    [report] = import_feedback(con, [returned], today=date(2026, 10, 20))
    assert report.applied == 1

    # P2: H1 grows 16.7% (< 20%): repeated; H3 verified no risk: suppressed; H2 no longer fires, but only
    # an answer closes a warning: its P1 warning stays open, quiet since P2 (本期未再触发)
    build(con, P2, [("H1", "ILL-001", 7000), ("H3", "ILL-001", 8000)])
    assert status(con, P2) == {("H1", "ILL-001"): "repeated", ("H3", "ILL-001"): "suppressed"}
    assert status(con, P1)[("H2", "ILL-001")] == "new"
    assert status(con, P1)[("H3", "ILL-001")] == "closed"  # verified 无风险
    rows = con.sql(
        "SELECT warning_id, close_reason, closed_period, quiet_since FROM warn.warnings WHERE period = ?"
        " ORDER BY warning_id",
        params=[P1],
    ).fetchall()
    assert rows == [
        (f"{P1}-H1-ILL-001", None, None, None),  # fired again in P2
        (f"{P1}-H2-ILL-001", None, None, P2),
        (f"{P1}-H3-ILL-001", "verified:无风险", P1, None),
    ]
    # the suppressed warning stays in the warehouse but is not sent to the township
    ws = openpyxl.load_workbook(export(con, tmp_path, P2))["预警核实表"]
    assert [r["户编号"] for r in rows_of(ws)] == ["H1"]

    # P3: H3's cost jumps 25% against what the township last saw (P1): escalated despite the 无风险;
    # H1 gains a new cause (schooling): its illness warning escalates, the schooling one is new
    build(con, P3, [("H1", "ILL-001", 7000), ("H1", "SCH-001", 1), ("H3", "ILL-001", 10000)])
    assert status(con, P3) == {
        ("H1", "ILL-001"): "escalated",
        ("H1", "SCH-001"): "new",
        ("H3", "ILL-001"): "escalated",
    }
    notes = dict(
        con.sql(
            "SELECT household_id || rule_id, lifecycle_note FROM warn.warnings WHERE period = ?", params=[P3]
        ).fetchall()
    )
    assert "25%" in notes["H3ILL-001"] and P1 in notes["H3ILL-001"] and "无风险" in notes["H3ILL-001"]
    assert "新增因学" in notes["H1ILL-001"]
    ws = openpyxl.load_workbook(export(con, tmp_path, P3))["预警核实表"]
    rows = {r["户编号"]: r for r in rows_of(ws)}
    assert "风险升级" in rows["H3"]["预警规则"] and "25%" in rows["H3"]["预警依据"]


def test_rerun_of_a_period_is_stable(con):
    build(con, P1, [("H1", "ILL-001", 6000), ("H2", "ILL-001", 7000)])
    build(con, P2, [("H1", "ILL-001", 6000)])
    before = con.sql("SELECT * FROM warn.warnings ORDER BY warning_id").fetchall()
    build(con, P2, [("H1", "ILL-001", 6000)])
    assert con.sql("SELECT * FROM warn.warnings ORDER BY warning_id").fetchall() == before
    quiet = "SELECT quiet_since FROM warn.warnings WHERE warning_id = ?"
    assert con.sql(quiet, params=[f"{P1}-H2-ILL-001"]).fetchall() == [(P2,)]
    # a rerun where H2 fires again: its P1 warning is no longer quiet, the P2 one repeats it
    build(con, P2, [("H1", "ILL-001", 6000), ("H2", "ILL-001", 7000)])
    assert status(con, P1)[("H2", "ILL-001")] == "new"
    assert con.sql(quiet, params=[f"{P1}-H2-ILL-001"]).fetchall() == [(None,)]
    assert status(con, P2)[("H2", "ILL-001")] == "repeated"


def state(con) -> list[tuple]:
    """Everything the lifecycle decides, every period (timestamps aside)."""
    return con.sql(
        "SELECT warning_id, status, build_status, first_seen, lifecycle_note, closed_period, close_reason,"
        " quiet_since FROM warn.warnings ORDER BY warning_id"
    ).fetchall()


MONTHS = {
    P1: [("H1", "ILL-001", 6000), ("H2", "ILL-001", 7000)],
    P2: [("H1", "ILL-001", 9000)],
    P3: [("H1", "ILL-001", 9000), ("H2", "ILL-001", 7000), ("H4", "ILL-001", 100)],
}


@pytest.mark.parametrize(
    "order",
    [(P3, P1, P2), (P2, P3, P1), (P1, P3, P2), (P3, P2, P1, P2)],
    ids=["backfill-two", "backfill-first", "middle-late", "rerun-old-month"],
)
def test_any_run_order_gives_the_state_of_running_in_order(con, order):
    for period in (P1, P2, P3):
        build(con, period, MONTHS[period])
    in_order = state(con)
    # in order: H1 escalates in P2 (+50%), H2 repeats in P3 after a quiet P2, H4 is new in P3
    statuses = {wid: s for wid, s, *_ in in_order}
    assert statuses[f"{P2}-H1-ILL-001"] == "escalated"
    assert statuses[f"{P3}-H2-ILL-001"] == "repeated"
    assert statuses[f"{P3}-H4-ILL-001"] == "new"
    con.execute("DELETE FROM warn.warnings")
    con.execute("DELETE FROM warn.screened_periods")
    for period in order:
        build(con, period, MONTHS[period])
    assert state(con) == in_order


def test_suppression_ends_after_the_parameterised_months(con, tmp_path):
    build(con, P1, [("H3", "ILL-001", 8000)])
    import_feedback(con, [fill(export(con, tmp_path, P1), {"H3": ok("无风险", date(2026, 10, 15))})],
                    today=date(2026, 10, 20))  # fmt: skip
    short = LifecycleParams(suppress_months=1)
    assert build_warnings_status(con, P2, short) == "suppressed"
    assert build_warnings_status(con, P3, short) == "repeated"


def build_warnings_status(con, period, lifecycle):
    from feedback_cases import hits

    frame = build_warnings(con, hits(("H3", "ILL-001", 8000)), period, lifecycle=lifecycle)
    return frame.row(0, named=True)["status"]


def test_monitored_household_is_marked_in_the_workbook(con, tmp_path):
    build(con, P1, [("H2", "ILL-001", 7000)])
    ws = openpyxl.load_workbook(export(con, tmp_path, P1))["预警核实表"]
    row = rows_of(ws)[0]
    assert "已是监测户" in row["户类型"]


@pytest.mark.parametrize(
    ("before", "after", "grown"),
    [
        ('{"out_of_pocket_total": 10000}', '{"out_of_pocket_total": 12000}', ["out_of_pocket_total"]),
        ('{"out_of_pocket_total": 10000}', '{"out_of_pocket_total": 11999}', []),
        ('{"a": 0}', '{"a": 1}', ["a"]),
        ('{"param_x": 1}', '{"param_x": 5}', []),  # thresholds are not evidence
        ('{"a": 1}', '{"b": 9}', []),
        (None, '{"a": 1}', []),
    ],
)
def test_measure_growth(before, after, grown):
    assert [name for name, _, _ in measure_growth(before, after, 0.2)] == grown


def test_months_and_parameters_from_the_rule_pack():
    from pipelines.rulebook import load_parameters
    from pipelines.settings import REPO_ROOT

    assert months_between("2026-11", "2027-02") == 3
    params = lifecycle_params(load_parameters(REPO_ROOT / "rules" / "parameters.yaml"), "2026-11")
    assert params == LifecycleParams(escalation_margin=0.2, suppress_months=3)
