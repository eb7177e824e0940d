"""Feedback: import the workbooks townships fill in and return, into warn.verifications.

    from pipelines.feedback import import_feedback
    reports = import_feedback(con, paths)          # one FileReport per file; refused files included

See importer.py for what is checked; commands.py adds `dixian feedback import`. The names below load
on first use (PEP 562), so registering the command does not import openpyxl and polars for every
`dixian` invocation.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "FeedbackRefused": "errors",
    "MetaTampered": "errors",
    "NotDixianWorkbook": "errors",
    "UnreadableSheet": "errors",
    "WrongPeriod": "errors",
    "WrongTownship": "errors",
    "FileReport": "importer",
    "Issue": "importer",
    "import_feedback": "importer",
    "parse_date": "importer",
    "pending_visits": "importer",
    "ensure_feedback_schema": "store",
    "ReturnedWorkbook": "workbook",
    "read_returned_workbook": "workbook",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pipelines.feedback' has no attribute {name!r}")
    return getattr(import_module(f"pipelines.feedback.{module}"), name)
