"""Why a returned workbook is refused as a whole (row problems are data: see Issue in importer.py)."""

from __future__ import annotations


class FeedbackRefused(ValueError):
    """A returned file cannot be trusted or does not belong here; nothing of it is applied.

    Carries the file, a Chinese message for township staff and an English one for the log.
    """

    code = "refused"

    def __init__(self, file: str, zh: str, en: str) -> None:
        self.file = file
        self.zh = zh
        self.en = en
        super().__init__(f"{file}: {zh} / {en}")


class NotDixianWorkbook(FeedbackRefused):
    """No readable `_dixian` meta sheet, or not a township verification workbook."""

    code = "not_dixian"


class MetaTampered(FeedbackRefused):
    """The meta sheet does not match its own sha256 fingerprint."""

    code = "meta_tampered"


class WrongTownship(FeedbackRefused):
    """The workbook is another township's (or its visits belong to another township)."""

    code = "wrong_township"


class WrongPeriod(FeedbackRefused):
    """The workbook is of an old period, or of a period/visits this warehouse does not know."""

    code = "wrong_period"


class UnreadableSheet(FeedbackRefused):
    """The verification sheet or its required columns are missing."""

    code = "unreadable"
