"""The hidden `_dixian` sheet: what a later feedback import needs to trust a returned workbook.

Rows are (key, value, warning_ids). A returned workbook is joined on our own visit ids listed
here, never on ID numbers (Excel rounds typed IDs: …071234 → …071200). The fingerprint lets the
import check the listing was not edited. No timestamps: outputs must be byte-stable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import xlsxwriter

from pipelines.export.cells import write_text

META_SHEET = "_dixian"
META_VERSION = "1"


def fingerprint(entries: Sequence[tuple[str, str, str]]) -> str:
    """sha256 of the meta rows as canonical JSON (order-sensitive, as written)."""
    payload = json.dumps([list(e) for e in entries], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def write_meta_sheet(
    workbook: xlsxwriter.Workbook,
    header: Sequence[tuple[str, str]],
    visits: Sequence[tuple[str, Sequence[str]]],
) -> str:
    """Add the very hidden meta sheet; returns the fingerprint written on its last row."""
    entries: list[tuple[str, str, str]] = [(k, v, "") for k, v in header]
    entries += [("visit", vid, ",".join(wids)) for vid, wids in visits]
    digest = fingerprint(entries)

    ws = workbook.add_worksheet(META_SHEET)
    for col, title in enumerate(("key", "value", "warning_ids")):
        write_text(ws, 0, col, title)
    for row, entry in enumerate([*entries, ("sha256", digest, "")], start=1):
        for col, value in enumerate(entry):
            write_text(ws, row, col, value)
    ws.very_hidden()
    return digest
