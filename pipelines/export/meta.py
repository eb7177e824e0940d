"""The hidden `_dixian` sheet: what a later feedback import needs to trust a returned workbook.

Rows are (key, value, warning_ids). A returned workbook is joined on our own visit ids listed
here, never on ID numbers (Excel rounds typed IDs: …071234 → …071200). The seal on the last row (an
HMAC with the county's key, pipelines.seal) lets the import check the listing was not edited. No
timestamps: outputs must be byte-stable.
"""

from __future__ import annotations

from collections.abc import Sequence

import xlsxwriter

from pipelines.contracts.township_workbook import META_SHEET, META_TITLES, META_VERSION, meta_entries
from pipelines.export.cells import write_text
from pipelines.seal import KEYED, LEGACY, SealKey, keyed_digest, legacy_digest

__all__ = ["META_SHEET", "META_VERSION", "fingerprint", "write_meta_sheet"]


def fingerprint(entries: Sequence[tuple[str, str, str]]) -> str:
    """The legacy, unkeyed seal (sha256 of the rows); kept to read workbooks issued before the key."""
    return legacy_digest(entries)


def write_meta_sheet(
    workbook: xlsxwriter.Workbook,
    header: Sequence[tuple[str, str]],
    visits: Sequence[tuple[str, Sequence[str]]],
    key: SealKey | None = None,
) -> str:
    """Add the very hidden meta sheet; returns the seal written on its last row: keyed with the county's
    key (the monthly export always passes it), the legacy sha256 only without one."""
    entries = meta_entries(header, visits)
    kind, digest = (
        (KEYED, keyed_digest(entries, key)) if key is not None else (LEGACY, legacy_digest(entries))
    )

    ws = workbook.add_worksheet(META_SHEET)
    for col, title in enumerate(META_TITLES):
        write_text(ws, 0, col, title)
    for row, entry in enumerate([*entries, (kind, digest, "")], start=1):
        for col, value in enumerate(entry):
            write_text(ws, row, col, value)
    ws.very_hidden()
    return digest
