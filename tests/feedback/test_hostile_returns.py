"""What staff type into returned workbooks (issue 13): dates from a Chinese IME, ID numbers in any cell."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from feedback_cases import P2, TODAY, build, export, fill

from pipelines.feedback import import_feedback, parse_date

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
START = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("２０２６－１１－０５", date(2026, 11, 5)),  # full-width digits and dash (IME)
        ("2026－11－05", date(2026, 11, 5)),
        ("２０２６年１１月５日", date(2026, 11, 5)),
        ("11月5日", date(2026, 11, 5)),  # month and day: the year of the period
        ("1月5日", date(2027, 1, 5)),  # … or the next, for a period late in the year
        ("11/5", date(2026, 11, 5)),
        ("2026-11-05", date(2026, 11, 5)),
        ("2月30日", None),
        ("下周", None),
    ],
)
def test_ime_dates(typed, expected):
    assert parse_date(typed, START) == expected


def test_an_id_number_typed_into_a_returned_workbook_is_never_echoed_whole(con, tmp_path):
    build(con, P2)
    typed = "341722199001011234"
    filled = fill(
        export(con, tmp_path, P2),
        {
            "H1": ("无风险", "入户核实", "刘干部", typed, "陈审核"),
            "H2": (typed, "", "刘干部", date(2026, 11, 10), "陈"),
        },
    )
    [report] = import_feedback(con, [filled], today=TODAY)
    assert report.rejected == 2
    texts = json.dumps([vars(i) for i in report.issues], ensure_ascii=False) + report.message_zh
    assert not FULL_ID.search(texts)
    assert "341722********1234" in texts
    stored = con.sql("SELECT * FROM warn.feedback_issues").fetchall()
    assert stored and not FULL_ID.search(json.dumps(stored, ensure_ascii=False, default=str))


def test_an_ime_typed_date_is_accepted_on_import(con, tmp_path):
    build(con, P2)
    filled = fill(
        export(con, tmp_path, P2), {"H1": ("无风险", "入户核实", "刘干部", "２０２６－１１－１０", "陈审核")}
    )
    [report] = import_feedback(con, [filled], today=TODAY)
    assert (report.applied, report.rejected) == (1, 0)


def test_a_far_cell_typed_into_a_return_is_refused_without_allocating_the_sheet(con, tmp_path):
    import resource

    import openpyxl

    build(con, P2)
    filled = fill(
        export(con, tmp_path, P2), {"H1": ("无风险", "入户核实", "刘干部", date(2026, 11, 10), "陈审核")}
    )
    wb = openpyxl.load_workbook(filled)
    wb["预警核实表"]["XFD1048576"] = "x"  # the last cell of the sheet: a reader would allocate all of it
    wb.save(filled)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    [report] = import_feedback(con, [filled], today=TODAY)
    assert report.status == "refused" and "过大" in report.message_zh
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 300
