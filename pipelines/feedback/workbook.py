"""Reading a returned township workbook with calamine (fastexcel): the meta sheet and the filled rows.

Columns are found by their header text, never by position (staff insert, move and delete columns), and
rows are identified by our visit id in 预警编号, never by the row number or an ID number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel

from pipelines.contracts import township_workbook as contract
from pipelines.contracts.township_workbook import META_SHEET, VERIFY_SHEET, WORKBOOK_KIND
from pipelines.feedback.errors import MetaTampered, NotDixianWorkbook, UnreadableSheet
from pipelines.ingest.errors import ReadError
from pipelines.ingest.readers import check_workbook
from pipelines.seal import KEYED, LEGACY, SealKey, verify

_HEADER_SCAN_ROWS = 10


@dataclass(frozen=True)
class ReturnedRow:
    """One data row of the verification sheet: its 1-based sheet row and the cells we read, as text."""

    sheet_row: int
    visit_id: str
    cells: dict[str, str]
    """Each column the township fills in (contract key) → stripped text ('' when blank)."""

    @property
    def blank(self) -> bool:
        return not any(self.cells.values())


@dataclass(frozen=True)
class ReturnedWorkbook:
    file: str
    sha256: str
    meta: dict[str, str]
    visits: dict[str, tuple[str, ...]]
    """visit id → warning ids, from the meta sheet (in written order)."""
    fingerprint: str
    sheet: str
    rows: list[ReturnedRow] = field(default_factory=list)
    legacy_seal: bool = False
    """Sealed with the old unkeyed sha256 (issued before the county key): accepted with a note."""

    @property
    def township(self) -> str:
        return self.meta.get("township", "")

    @property
    def period(self) -> str:
        return self.meta.get("period", "")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_returned_workbook(path: str | Path, key: SealKey | None = None) -> ReturnedWorkbook:
    """Read and authenticate a returned workbook; raises a FeedbackRefused subclass when it cannot be trusted."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:  # the ingest bounds: a far cell typed by staff must not make the reader allocate gigabytes
            check_workbook(path)
        except ReadError as exc:
            raise NotDixianWorkbook(
                name, f"文件无法读取或过大：{exc.detail}", f"cannot read the workbook safely: {exc.detail}"
            ) from exc
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine raises its own error types for non-xlsx or broken files
        raise NotDixianWorkbook(
            name,
            f"无法读取该文件（不是有效的Excel工作簿）：{exc}",
            f"cannot read the file as an xlsx workbook: {exc}",
        ) from exc
    if META_SHEET not in reader.sheet_names:
        raise NotDixianWorkbook(
            name,
            "不是本系统下发的核实表（缺少隐藏的系统信息表），请使用县里下发的原表填写后报回",
            f"not a Dixian workbook: the hidden '{META_SHEET}' sheet is missing (re-typed or copied into a new file?)",
        )
    meta_rows = _sheet_rows(reader, META_SHEET)
    entries = [
        (_cell(r, 0), _cell(r, 1), _cell(r, 2)) for r in meta_rows[1:] if any(_cell(r, i) for i in range(3))
    ]
    if not entries or entries[-1][0] not in (KEYED, LEGACY):
        raise MetaTampered(name, "系统信息表不完整，无法确认本表来源", "the meta sheet has no seal row")
    body, kind, digest = entries[:-1], entries[-1][0], entries[-1][1]
    meta = {k: v for k, v, _ in body if k != "visit"}
    if kind == KEYED and key is None:
        raise MetaTampered(
            name,
            "本县核实表密钥缺失（data/county/seal.key），无法校验本表，请从备份恢复密钥",
            "the county seal key (data/county/seal.key) is missing: the workbook cannot be verified",
        )
    if not verify(body, kind, digest, key):
        raise MetaTampered(
            name,
            "系统信息表被改动过（校验码不符），本表不予导入，请使用原表填写",
            "the meta sheet was edited: its seal does not match; file refused",
        )
    if kind == LEGACY and key is not None and str(meta.get("period", "")) >= key.since:
        # a period sealed with the key cannot come back with the old seal: someone recomputed it
        raise MetaTampered(
            name,
            f"本表为旧版校验码，但{meta.get('period')}期核实表均已使用本县密钥下发，本表不予导入，请使用原表填写",
            f"a legacy seal on a workbook of {meta.get('period')}, which was issued with the county key; refused",
        )
    if meta.get("kind") != WORKBOOK_KIND:
        raise NotDixianWorkbook(
            name, "不是预警核实表", f"meta kind is {meta.get('kind')!r}, expected {WORKBOOK_KIND!r}"
        )
    visits = {v: tuple(w for w in wids.split(",") if w) for k, v, wids in body if k == "visit"}
    sheet = meta.get("sheet", VERIFY_SHEET)
    if sheet not in reader.sheet_names:
        raise UnreadableSheet(
            name,
            f"找不到“{sheet}”工作表（是否被改名或删除？）",
            f"sheet {sheet!r} not found (renamed or deleted?)",
        )
    rows = _read_rows(name, sheet, _sheet_rows(reader, sheet))
    return ReturnedWorkbook(
        file=name,
        sha256=file_sha256(path),
        meta=meta,
        visits=visits,
        fingerprint=digest,
        legacy_seal=kind == LEGACY,
        sheet=sheet,
        rows=rows,
    )


def _sheet_rows(reader: fastexcel.ExcelReader, sheet: str) -> list[list[str]]:
    """All rows of a sheet as text, in sheet order, starting at sheet row 1."""
    # string dtype: IDs stay as typed, dates come back as 'YYYY-MM-DD 00:00:00', numbers as their digits
    frame = reader.load_sheet_by_name(sheet, header_row=None, dtypes="string").to_polars()
    return [[_text(v) for v in row] for row in frame.iter_rows()]


def _cell(row: list[str], col: int) -> str:
    return row[col] if col < len(row) else ""


def _read_rows(file: str, sheet: str, rows: list[list[str]]) -> list[ReturnedRow]:
    visit = contract.column(contract.VISIT_KEY).header
    first_fill = contract.fill_columns()[0].header
    header_at = next(
        (i for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]) if visit in row and first_fill in row),
        None,
    )
    if header_at is None:
        raise UnreadableSheet(
            file,
            f"“{sheet}”表中找不到“{visit}”“{first_fill}”表头（请勿删除或改动表头）",
            f"sheet {sheet!r}: header row with {visit} and {first_fill} not found",
        )
    header = rows[header_at]
    missing = [h for h in contract.kept_headers() if h not in header]
    if missing:
        raise UnreadableSheet(
            file,
            f"“{sheet}”表缺少必填列：{'、'.join(missing)}",
            f"sheet {sheet!r}: required column(s) missing: {missing}",
        )
    fills = contract.fill_columns()
    col_of = {h: header.index(h) for h in (visit, *(c.header for c in fills)) if h in header}
    out = []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {c.key: _cell(row, col_of[c.header]) if c.header in col_of else "" for c in fills}
        out.append(ReturnedRow(sheet_row=i, visit_id=_cell(row, col_of[visit]), cells=cells))
    return out
