"""The township verification workbook as one contract: written by pipelines.export, read back by
pipelines.feedback, stored by pipelines.warnings.

A column is one row of `COLUMNS`: its key (the name in code and, for a column the township fills, the
warn.verifications column its answers are stored in), Chinese header, width, kind, and what a returned
workbook must keep. Add a row and the workbook writes it, the importer reads, checks and stores it; the
sheet names, the file-name pattern and the hidden meta sheet's layout live here too.

Consumers call the functions (`columns()`, `fill_columns()` …), never copies made at import time, so the
table stays the only place a column is declared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pipelines.warnings.vocab import OUTCOME_VALUES

Kind = Literal["number", "text", "severity", "fill", "fill_choice", "fill_date"]
"""number / text / severity: written by Dixian, locked; fill*: left blank for the township (free text,
a drop-down of `choices`, a date)."""


@dataclass(frozen=True)
class Column:
    key: str
    """Name in code: a computed cell or a Visit field for written columns; the stored answer field for
    filled ones."""
    header: str
    """The Chinese header, as staff see it and as a returned workbook is read (by header, never position)."""
    width: float
    kind: Kind
    label_en: str = ""
    """How English messages name a filled column (核实日期 → 'verification date')."""
    keep: bool = False
    """A returned sheet without this header is refused (columns are found by header text)."""
    must_fill: bool = False
    """A returned row that answers anything must fill this one too, else it is rejected."""
    choices: tuple[str, ...] = ()
    """The drop-down of a fill_choice column; a returned value outside it is rejected."""
    printed: bool = True
    """On the paper a clerk carries (the print area); False: on screen only, right of the print area."""
    when_present: bool = False
    """Written only when some row has a value (the registry export may not carry it)."""

    @property
    def filled_by_township(self) -> bool:
        return self.kind.startswith("fill")

    @property
    def sql_type(self) -> str:
        """The warn.verifications column type of a filled column's answers."""
        return "DATE" if self.kind == "fill_date" else "VARCHAR"


#: The 预警核实表 sheet, left to right: first what is printed (A4 landscape, one page wide, at least 9 pt:
#: the printed widths must stay within PRINT_WIDTH_UNITS), then what is on screen only.
COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 4, "number"),
    Column("village", "行政村", 7, "text"),
    Column("group", "村民小组", 6, "text"),
    Column("household_id", "户编号", 15, "text"),
    Column("head_name", "户主姓名", 7, "text"),
    Column("household_type", "户类型", 8, "text"),
    Column("contact", "帮扶责任人/联系电话", 11, "text", when_present=True),
    Column("members", "涉及成员", 8, "text"),
    Column("causes", "预警原因", 8, "text"),
    Column("severity", "预警等级", 6, "severity"),
    Column("evidence", "预警依据", 17, "text"),
    Column(
        "outcome", "核实结果", 12, "fill_choice", "outcome", keep=True, must_fill=True, choices=OUTCOME_VALUES
    ),
    Column("note", "核实情况说明", 13, "fill", "note", keep=True),
    Column("verifier", "核实人", 6, "fill", "verifier", keep=True, must_fill=True),
    Column("verified_on", "核实日期", 10, "fill_date", "verification date", keep=True, must_fill=True),
    Column("reviewer", "乡镇审核人", 6, "fill", "reviewer"),
    # on screen only: the join key (never edit it), and what a clerk at the door does not need on paper
    Column("visit_id", "预警编号", 17, "text", keep=True, printed=False),
    Column("id_numbers", "身份证号", 20, "text", printed=False),
    Column("rules", "预警规则", 26, "text", printed=False),
    Column("departments", "数据来源部门", 12, "text", printed=False),
    Column("match", "匹配依据", 22, "text", printed=False),
)
PRINT_FONT_PT = 10
"""The verification sheet's cell font size."""
MIN_PRINTED_PT = 9
"""The smallest text a clerk should have to read on paper, after fitting the sheet to the page width."""

VISIT_KEY = "visit_id"
"""The column holding our visit id: returned rows are joined on it, never on an ID number."""
FREEZE_AFTER = "head_name"
"""Panes are frozen right of this column (who the row is about stays in view)."""

COVER_SHEET = "填写说明"
VERIFY_SHEET = "预警核实表"
RULES_SHEET = "规则说明"
UNVISITED_SHEET = "本月未走访监测户"
META_SHEET = "_dixian"
META_TITLES = ("key", "value", "warning_ids")
META_VERSION = "1"
WORKBOOK_KIND = "township_verification"
FILE_MARK = "_预警核实表_"


def columns() -> tuple[Column, ...]:
    return COLUMNS


def column(key: str) -> Column:
    for c in COLUMNS:
        if c.key == key:
            return c
    raise KeyError(f"no workbook column {key!r}; columns: {[c.key for c in COLUMNS]}")


def headers() -> tuple[str, ...]:
    return tuple(c.header for c in COLUMNS)


def fill_columns() -> tuple[Column, ...]:
    """The columns the township fills in, in sheet order: each is stored as a warn.verifications column."""
    return tuple(c for c in COLUMNS if c.filled_by_township)


def answer_keys() -> tuple[str, ...]:
    """The answer fields; two answers with equal values are the same answer (a re-import applies nothing)."""
    return tuple(c.key for c in fill_columns())


def kept_headers() -> tuple[str, ...]:
    """Headers a returned verification sheet must still have."""
    return tuple(c.header for c in COLUMNS if c.keep)


def file_name(township_file_name: str, period: str) -> str:
    """`<township>_预警核实表_<period>.xlsx` (the township part already made safe for a file name)."""
    return f"{township_file_name}{FILE_MARK}{period}.xlsx"


def township_in_file_name(stem: str) -> str | None:
    """The township part of a file name written by `file_name` (None when the pattern is not there)."""
    return stem.split(FILE_MARK)[0] if FILE_MARK in stem else None


def meta_header(
    township: str, period: str, due_date: date, *, masked: bool, households: int, warnings: int
) -> list[tuple[str, str]]:
    """The hidden sheet's header entries (before the visits and the seal), in written order."""
    return [
        ("kind", WORKBOOK_KIND),
        ("meta_version", META_VERSION),
        ("township", township),
        ("period", period),
        ("due_date", due_date.isoformat()),
        ("id_numbers_masked", "true" if masked else "false"),
        ("household_count", str(households)),
        ("warning_count", str(warnings)),
        ("sheet", VERIFY_SHEET),
        ("visit_id_column", column(VISIT_KEY).header),
    ]


def meta_entries(
    header: Sequence[tuple[str, str]], visits: Sequence[tuple[str, Sequence[str]]]
) -> list[tuple[str, str, str]]:
    """The hidden sheet's rows below its titles, seal excluded: (key, value, warning ids) per entry."""
    entries: list[tuple[str, str, str]] = [(k, v, "") for k, v in header]
    entries += [("visit", vid, ",".join(wids)) for vid, wids in visits]
    return entries
