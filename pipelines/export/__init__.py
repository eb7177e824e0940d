"""Excel exports: township verification workbooks and the county summary.

Township staff only ever see these workbooks, so every cell is written as literal text or a
computed number (never a formula), ID numbers stay text, and files are byte-stable per input.
"""

from pipelines.export.cells import mask_id
from pipelines.export.errors import (
    ExportError,
    MissingColumnsError,
    PeriodMismatchError,
    TownshipMismatchError,
)
from pipelines.export.meta import META_SHEET
from pipelines.export.must_visit import UNVISITED_SHEET, monthly_unvisited
from pipelines.export.summary import write_county_summary
from pipelines.export.township import COVER_SHEET, RULES_SHEET, VERIFY_SHEET, write_township_workbook
from pipelines.export.visits import visit_id
from pipelines.export.vocab import OUTCOME_VALUES, OUTCOMES

__all__ = [
    "COVER_SHEET",
    "META_SHEET",
    "OUTCOMES",
    "OUTCOME_VALUES",
    "RULES_SHEET",
    "UNVISITED_SHEET",
    "VERIFY_SHEET",
    "ExportError",
    "MissingColumnsError",
    "PeriodMismatchError",
    "TownshipMismatchError",
    "mask_id",
    "monthly_unvisited",
    "visit_id",
    "write_county_summary",
    "write_township_workbook",
]
