"""The township deadline counts from the day a period was first issued, on the official calendar, and
never moves when the period is re-run or re-issued; the cover, the hidden meta sheet and the county
summary all show that one date (issue 15 item 1)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from pipelines import stages
from pipelines.export import META_SHEET
from pipelines.settings import Settings
from pipelines.synth import generate_county

pytestmark = pytest.mark.slow

PERIOD = "2026-09"
FIRST_ISSUE = date(2026, 9, 29)  # the Tuesday before National Day
RERUN = date(2026, 10, 20)
# 15 working days after Tuesday 29 September on the official 2026 calendar: 30 September; 8, 9 and
# 10 October (the make-up Saturday); 12-16, 19-23 and 26 October. National Day (1-7 October) is not
# counted: 15 weekdays alone would end on 20 October.
DUE = date(2026, 10, 26)


def _export(settings: Settings, today: date) -> dict:
    accounts = stages.stage_ingest(settings, PERIOD)
    matched = stages.stage_match(settings, PERIOD)
    stages.stage_rules(settings, PERIOD)
    known = [a for a in accounts if a["source"]]
    return stages.stage_export(settings, PERIOD, known, matched["match_stats"], today=today)


def _shown_dates(result: dict) -> set[str]:
    due = result["deadline"]["due_date"]
    y, m, d = (int(x) for x in due.split("-"))
    shown = set()
    for path in result["township_workbooks"]:
        wb = openpyxl.load_workbook(path)
        cover = "\n".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value)
        meta = {str(r[0].value): str(r[1].value) for r in wb[META_SHEET].iter_rows() if r[0].value}
        shown.add(meta["due_date"])
        assert f"{y}年{m}月{d}日" in cover, cover
    summary = openpyxl.load_workbook(result["county_summary"], read_only=True)
    text = "\n".join(
        str(c) for ws in summary.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert f"截止日期 {due}" in text
    return shown


def test_deadline_from_first_issue_on_the_official_calendar_and_kept_on_rerun(tmp_path, monkeypatch):
    monkeypatch.delenv("DIXIAN_DUE_WORKING_DAYS", raising=False)  # the default: 15 working days
    data = tmp_path / "data"
    generate_county(data, households=40, seed=11, period=PERIOD)
    settings = Settings.load(data_dir=data)
    assert settings.due_working_days == 15
    first = _export(settings, FIRST_ISSUE)
    assert first["deadline"]["first_issued_on"] == FIRST_ISSUE.isoformat()
    assert first["deadline"]["due_date"] == DUE.isoformat()
    assert _shown_dates(first) == {DUE.isoformat()}

    again = _export(settings, RERUN)  # re-run three weeks later: the same deadline, not a new one
    assert again["deadline"]["first_issued_on"] == FIRST_ISSUE.isoformat()
    assert again["deadline"]["due_date"] == DUE.isoformat()
    assert _shown_dates(again) == {DUE.isoformat()}
