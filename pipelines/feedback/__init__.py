"""Feedback: import the workbooks townships fill in and return, into warn.verifications.

    from pipelines.feedback import import_feedback
    reports = import_feedback(con, paths)          # one FileReport per file; refused files included

See importer.py for what is checked; commands.py adds `dixian feedback import`.
"""

from pipelines.feedback.errors import (
    FeedbackRefused,
    MetaTampered,
    NotDixianWorkbook,
    UnreadableSheet,
    WrongPeriod,
    WrongTownship,
)
from pipelines.feedback.importer import FileReport, Issue, import_feedback, parse_date, pending_visits
from pipelines.feedback.store import ensure_feedback_schema, latest_verifications
from pipelines.feedback.workbook import ReturnedWorkbook, read_returned_workbook

__all__ = [
    "FeedbackRefused",
    "FileReport",
    "Issue",
    "MetaTampered",
    "NotDixianWorkbook",
    "ReturnedWorkbook",
    "UnreadableSheet",
    "WrongPeriod",
    "WrongTownship",
    "ensure_feedback_schema",
    "import_feedback",
    "latest_verifications",
    "parse_date",
    "pending_visits",
    "read_returned_workbook",
]
