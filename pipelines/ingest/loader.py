"""Load one file into the warehouse: read → header → validate → raw + quarantine, every row accounted for.

The accounting identity, per file (FileAccount.balanced):

    read = loaded + unchanged + changed + quarantined + ignored

* read — data rows below the header, blank and totals rows included (title rows above the header are not);
* loaded — rows stored in raw.<source> whose natural key was new;
* unchanged — valid rows whose natural key is already stored with the same content (a cumulative resend):
  not stored again;
* changed — valid rows whose natural key is stored with other content: stored as a new version, the old
  version is kept (never overwritten);
* quarantined — rows that failed validation (quarantine.rows, one line per failed check, with reasons);
* ignored — blank rows, totals rows, notes under the table, and rows repeated within the same file
  (meta.ignored, with the reason).

A file is keyed by its content hash: the same bytes loaded twice are skipped. Each file loads in one
transaction, so a crash leaves no partial batch and a rerun loads it whole. A file that cannot be
loaded at all is *refused* with a category and a one-line message (errors.py); it never stops a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.ingest.admission import admission
from pipelines.ingest.detect import detect_source
from pipelines.ingest.errors import (
    HeaderError,
    IngestError,
    MissingColumnsError,
    UncertainMappingError,
)
from pipelines.ingest.header import HeaderMap, find_header, header_map, read_header
from pipelines.ingest.lexicon import Lexicon, load_lexicon
from pipelines.ingest.limits import current as current_limits
from pipelines.ingest.mappings import find_mapped_header, load_mappings, proposal, write_proposal
from pipelines.ingest.readers import RawSheet, read_any
from pipelines.ingest.vocab import categorise
from pipelines.normalize.idcard import check_char_expr, mask_ids_in_text
from pipelines.normalize.values import parse_amount_column, parse_date_column
from pipelines.warehouse import fetch_one, raw_columns, register_frame
from schemas import get_schema, get_source
from schemas.base import Source, date_ok_column, raw_text_fields

_TOTALS_PATTERN = r"^\s*(合\s*计|总\s*计|小\s*计|累\s*计)"
_NOTES_PATTERN = r"^\s*(注|说明|备注|制表|填报|审核|负责人|联系人|单位负责人)"

REASON_BLANK = "空行 | blank row"
REASON_TOTALS = "合计行 | totals row"
REASON_NOTE = "表尾说明 | note under the table"
REASON_REPEATED = "文件内重复行 | row repeated within the file (same content as an earlier row)"


ID_PROBLEMS = ("missing", "legacy15", "bad_check", "damaged", "masked")
"""ID problems counted per file for the department's quality report (缺失/15位/校验位错误/被Excel损坏/脱敏)."""


@dataclass
class FileAccount:
    """What happened to one file; printed per file and stored in meta.batches.

    Identity: rows_read = rows_loaded + rows_unchanged + rows_changed + rows_quarantined + rows_ignored."""

    source: str
    file: str
    sha256: str
    status: str = "loaded"
    """loaded | skipped (same content already loaded) | refused (a whole-file problem, see category)."""
    message: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    """Rows stored whose natural key is new."""
    rows_quarantined: int = 0
    rows_ignored: int = 0
    ignored_reasons: dict[str, int] = field(default_factory=dict)
    rows_unchanged: int = 0
    """Valid rows already stored under the same natural key with the same content (not stored again)."""
    rows_changed: int = 0
    """Valid rows stored as a new version of a natural key already stored with other content."""
    category: str = ""
    """For a refused file: the IngestError category (unknown_source, missing_columns, empty_file, …)."""
    sheets_ignored: dict[str, str] = field(default_factory=dict)
    """Workbook sheets not loaded (hidden, empty, no header) → reason."""
    id_problems: dict[str, int] = field(default_factory=dict)
    """Valid rows per ID problem (see ID_PROBLEMS)."""
    unknown_values: dict[str, dict[str, int]] = field(default_factory=dict)
    """field → value the vocabulary (or the date/number reader) did not know → rows; loaded all the same."""
    column_map: dict[str, dict[str, object]] = field(default_factory=dict)
    """field → {header, confidence, scale}: how each column was read (meta.batches.column_map)."""
    detection: str = ""
    """Why the file was taken for its source (folder, title, headers), for the officer."""
    resent_from: str = ""
    """For a skipped file first loaded for another period: that period (a department re-sent an old
    file; its rows were not read again and are not counted for this period)."""

    def __setattr__(self, name: str, value: object) -> None:
        # a reader's error text may quote the file's full path, and a file name may hold an ID number:
        # what an account says is printed, stored and reported, so it never carries a full ID
        if name in ("message", "file", "detection") and isinstance(value, str):
            value = mask_ids_in_text(value)
        super().__setattr__(name, value)

    @property
    def balanced(self) -> bool:
        return self.rows_read == (
            self.rows_loaded
            + self.rows_unchanged
            + self.rows_changed
            + self.rows_quarantined
            + self.rows_ignored
        )

    @property
    def json_status(self) -> str:
        """The status word of `dixian ingest --json`."""
        return {"skipped": "skipped-duplicate"}.get(self.status, self.status)

    def to_json(self) -> dict[str, Any]:
        """One line of `dixian ingest --json`."""
        return {
            "file": self.file,
            "source": self.source or None,
            "status": self.json_status,
            "read": self.rows_read,
            "loaded": self.rows_loaded,
            "unchanged": self.rows_unchanged,
            "changed": self.rows_changed,
            "quarantined": self.rows_quarantined,
            "ignored": self.rows_ignored,
            "error": {"category": self.category, "message": self.message}
            if self.status == "refused"
            else None,
        }


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_CELL_SEP = "\x1f"


def ignore_reason_expr(cols: list[str]) -> pl.Expr:
    """Why a body row is not data (null when it is): blank, a totals row (合计/总计/小计/累计 at the start
    of one of its first three filled cells), or a lone note under the table (注：…, 制表人…).

    The filled cells of a row are joined (blanks skipped) and read with one regex, so the expression
    grows linearly with the number of columns (a running count per column made it quadratic: a 300-column
    CSV needed gigabytes) and a million rows take a fraction of a second. Blank cells are null here:
    every reader makes them so (RawSheet.grid)."""
    cells = [pl.col(c) for c in cols]
    n_filled = pl.sum_horizontal([cell.is_not_null().cast(pl.Int32) for cell in cells])
    joined = pl.concat_str(cells, separator=_CELL_SEP, ignore_nulls=True)
    totals = joined.str.contains(
        f"^(?:[^{_CELL_SEP}]*{_CELL_SEP}){{0,2}}" + _TOTALS_PATTERN.removeprefix("^")
    )
    note = joined.str.contains(_NOTES_PATTERN)
    return (
        pl.when(n_filled == 0)
        .then(pl.lit(REASON_BLANK))
        .when(totals)
        .then(pl.lit(REASON_TOTALS))
        .when((n_filled == 1) & note)
        .then(pl.lit(REASON_NOTE))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


@dataclass
class SheetRows:
    valid: pl.DataFrame
    quarantine: pl.DataFrame
    ignored: pl.DataFrame
    """row_no, reason."""
    read: int
    unknown: tuple[str, ...] = ()
    header: HeaderMap | None = None


UNSURE = 0.6
"""A required field recognised below this confidence makes the file's reading uncertain: not loaded on a
guess (UncertainMappingError), a mapping proposal is written instead."""


def _split_sheet(
    sheet: RawSheet,
    source: Source,
    where: str,
    lexicon: Lexicon | None = None,
    header: HeaderMap | None = None,
) -> SheetRows:
    if header is None:
        header = find_header(sheet.grid, source, where, lexicon)
        weak = [
            f"{f.label}（{header.texts.get(c, '') if header.texts else ''}，{header.confidence.get(f.name, 0):.2f}）"
            for f in source.fields
            if f.required
            for c, name in header.columns.items()
            if name == f.name and header.confidence.get(f.name, 1.0) < UNSURE
        ]
        if weak:
            raise UncertainMappingError(
                where,
                f"required column(s) recognised only weakly for source {source.name}: {'、'.join(weak)}; "
                "not loaded on a guess | 必填列识别不确定，未按猜测入库",
            )
    else:
        missing = [f.label for f in source.fields if f.required and f.name not in header.columns.values()]
        if missing:
            raise MissingColumnsError(
                where,
                f"the confirmed mapping gives no column for required field(s) {'、'.join(missing)} of "
                f"source {source.name}; correct the mapping | 已确认的表头对应缺少必填列 {'、'.join(missing)}",
                missing=tuple(missing),
                found=tuple((header.texts or {}).values()),
            )
    grid, row_no = sheet.grid, sheet.grid.get_column("row_no")
    if row_no.is_sorted():  # as readers number rows: the body is a (zero-copy) slice below the header
        body = grid.slice(int(row_no.search_sorted(header.header_row_no, side="right")))
    else:
        body = grid.filter(pl.col("row_no") > header.header_row_no)
    cols = [c for c in body.columns if c != "row_no"]
    if cols:
        body = body.lazy().with_columns(ignore_reason_expr(cols).alias("_ignore")).collect()
    else:
        body = body.with_columns(pl.lit(REASON_BLANK).alias("_ignore"))
    ignored = body.filter(pl.col("_ignore").is_not_null()).select("row_no", pl.col("_ignore").alias("reason"))
    data = body.filter(pl.col("_ignore").is_null()) if ignored.height else body
    id_col = next((c for c, f in header.columns.items() if f == "id_number"), None)
    frame = data.select(
        pl.col("row_no"),
        *[pl.col(c).alias(f) for c, f in header.columns.items()],
    )
    missing = [f.name for f in source.fields if f.name not in frame.columns]
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(m) for m in missing])
    damaged: set[int] = set()
    if id_col is not None and sheet.numeric_cells:
        idx = int(id_col[1:])
        damaged = {r for r, c in sheet.numeric_cells if c == idx}
    frame = frame.with_columns(pl.col("row_no").is_in(sorted(damaged)).alias("id_damaged"))
    frame = frame.with_row_index("_idx")
    if source.date_field:
        parsed = parse_date_column(frame.get_column(source.date_field))
        frame = frame.with_columns(parsed.is_not_null().alias(date_ok_column(source.date_field)))

    failures = _validate(frame, source)
    bad_idx = failures.get_column("index").unique() if failures.height else pl.Series([], dtype=pl.Int32)
    valid = frame.filter(~pl.col("_idx").is_in(bad_idx.implode())) if failures.height else frame
    quarantined = _quarantine_rows(frame, failures, source)
    return SheetRows(
        valid=valid,
        quarantine=quarantined,
        ignored=ignored,
        read=body.height,
        unknown=header.unknown,
        header=header,
    )


_FAILURE_SCHEMA = {"index": pl.Int32, "column": pl.String, "check": pl.String, "failure_case": pl.String}


def _validate(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Failed checks as (row index, column, reason, value): the pandera schema's, plus cells longer than
    the cell limit (pipelines.ingest.limits), which no department value is."""
    import pandera.polars as pa  # here, not at the top: `dixian match` reads tables without validating

    failures = [_overlong_cells(frame, source)]
    try:
        get_schema(source.name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        found = exc.failure_cases.filter(pl.col("index").is_not_null())
        failures.append(found.select(pl.col(c).cast(t) for c, t in _FAILURE_SCHEMA.items()))
    return pl.concat(failures)


def _overlong_cells(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    limit = current_limits().max_cell_chars
    reason = f"单元格内容超过{limit}字，疑为错误数据 | cell longer than {limit:,} characters"
    parts = [
        frame.filter(pl.col(c).str.len_chars() > limit).select(
            pl.col("_idx").cast(pl.Int32).alias("index"),
            pl.lit(c).alias("column"),
            pl.lit(reason).alias("check"),
            (pl.col(c).str.slice(0, 50) + pl.lit("…")).alias("failure_case"),
        )
        for c in source.field_names
        if c in frame.columns and frame.schema[c] == pl.String
    ]
    return pl.concat([pl.DataFrame(schema=_FAILURE_SCHEMA), *parts])


_QUARANTINE_SCHEMA = {
    "row_no": pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "reason_zh": pl.String,
    "reason_en": pl.String,
    "row_json": pl.String,
}


def _quarantine_rows(frame: pl.DataFrame, failures: pl.DataFrame, source: Source) -> pl.DataFrame:
    """One quarantine line per (row, failed check) with the value and a bilingual reason."""
    if failures.height == 0:
        return pl.DataFrame(schema=_QUARANTINE_SCHEMA)
    fields = source.field_names
    rows = frame.select("_idx", "row_no", pl.struct(fields).struct.json_encode().alias("row_json"))
    f = failures.with_columns(pl.col("index").cast(pl.UInt32)).join(rows, left_on="index", right_on="_idx")
    column = pl.when(pl.col("column").is_in(fields)).then(pl.col("column")).otherwise(pl.lit(""))
    return f.select(
        pl.col("row_no"),
        column.alias("column_name"),
        pl.when(pl.col("column").is_in(fields))
        .then(pl.col("failure_case"))
        .otherwise(pl.lit(""))
        .alias("value"),
        pl.col("check").str.split(" | ").list.first().alias("reason_zh"),
        pl.col("check").str.split(" | ").list.last().alias("reason_en"),
        pl.col("row_json"),
    ).sort("row_no", "column_name")


def _key_part(name: str, source: Source, ascii_only: bool = False) -> pl.Expr:
    """One part of the natural key as text. `ascii_only`: the column holds no other character, so the
    NFKC folding (the costly step, an identity on ASCII) is skipped."""
    f = source.field(name)
    col = pl.col(name)
    if f.type in ("date", "amount", "int"):
        return col.cast(pl.String)
    text = col.cast(pl.String)
    text = (text if ascii_only else text.str.normalize("NFKC")).str.strip_chars()
    if f.type == "id_number":
        text = text.str.replace_all(r"[\s\-'‘’`]", "").str.to_uppercase()
    return pl.when(text != "").then(text)


def _is_ascii(frame: pl.DataFrame, name: str) -> bool:
    col = frame.get_column(name)
    return col.dtype == pl.String and bool((col.str.len_bytes() == col.str.len_chars()).all())


def _compose_address(source: Source) -> pl.Expr | None:
    """Township + village + group written in their own columns stand in for a missing address."""
    parts = [p for p in ("township", "village", "group") if p in source.field_names]
    if "address" not in source.field_names or not parts:
        return None
    joined = pl.concat_str([pl.col(p).fill_null("") for p in parts], separator="")
    return pl.coalesce(pl.col("address"), pl.when(joined != "").then(joined)).alias("address")


def _not_parsed(valid: pl.DataFrame, flags: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Optional dates and numbers that did not parse (loaded as null): value → rows, for the report.
    `flags` holds one boolean column per date/number field, computed with the typed values."""
    out: dict[str, dict[str, int]] = {}
    for name in flags.columns:
        mask = flags.get_column(name)
        if not mask.any():
            continue
        bad = valid.filter(mask).select(pl.col(name).str.strip_chars())
        counts = bad.group_by(name).len().sort(["len", name], descending=[True, False]).head(50)
        out[name] = {str(v): int(n) for v, n in counts.iter_rows()}
    return out


def _typed(
    valid: pl.DataFrame,
    source: Source,
    batch_id: str,
    file: str,
    sheet: str,
    header: HeaderMap | None = None,
    lexicon: Lexicon | None = None,
) -> tuple[pl.DataFrame, dict[str, dict[str, int]]]:
    """Valid rows cast to their types (amounts scaled to yuan by a unit in the header, categories onto
    codes with the raw text kept), with the texts the natural key and content hash are made from; and
    the values that loaded as unknown."""
    text_frame = valid
    valid, unknown = categorise(valid, source, lexicon or load_lexicon())
    scales = header.scales if header is not None else {}
    exprs = []
    flags = []
    # dates and amounts are parsed column by column, the costly clean-up once per distinct odd value
    parsers = {"date": parse_date_column, "amount": parse_amount_column, "int": parse_amount_column}
    values = [
        parsers[f.type](valid.get_column(f.name)).alias("_v_" + f.name)
        for f in source.fields
        if f.type in parsers
    ]
    if values:
        valid = valid.with_columns(values)
    for f in source.fields:
        col = pl.col(f.name).str.strip_chars()
        if f.type in parsers:
            value = pl.col("_v_" + f.name)
            # flagged in the same pass (the parse is shared): text that did not parse loads as null
            flags.append((col.is_not_null() & (col != "") & value.is_null()).alias("_bad_" + f.name))
            if f.name in scales:
                # a cell that names its own unit (1.2万) is already in yuan
                value = pl.when(col.str.contains("万")).then(value).otherwise(value * scales[f.name])
            exprs.append(value.alias(f.name))
        elif f.type in ("id_number", "name"):
            exprs.append(col.alias(f.name))
        else:
            exprs.append(pl.col(f.name).alias(f.name))
    raw_cols = [pl.col(name) for name in raw_text_fields(source)]
    sheet_tag = sheet or "csv"
    out = valid.lazy().select(
        pl.lit(batch_id).alias("batch_id"),
        (pl.lit(f"{batch_id}:{sheet_tag}:") + pl.col("row_no").cast(pl.String)).alias("row_key"),
        pl.lit(file).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.col("row_no"),
        pl.col("id_damaged"),
        *exprs,
        *raw_cols,
        *flags,
    )
    address = _compose_address(source)
    if address is not None:
        out = out.with_columns(address)
    typed = out.collect()
    bad = [c for c in typed.columns if c.startswith("_bad_")]
    flagged = typed.select(pl.col(c).alias(c.removeprefix("_bad_")) for c in bad)
    unknown = {**_not_parsed(text_frame, flagged), **unknown}
    return typed.drop(bad), unknown


def _display(path: Path, display_root: Path | None) -> str:
    """The file as the officer sees it (relative to the data folder, as listed: links not resolved),
    with any ID number in its name masked: this text goes to the console, artifacts and reports."""
    shown = str(path)
    if display_root is not None:
        try:
            shown = str(path.absolute().relative_to(display_root.absolute()))
        except ValueError:
            with contextlib.suppress(ValueError):
                shown = str(path.resolve().relative_to(display_root.resolve()))
    return mask_ids_in_text(shown)


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_name: str | None,
    period: str,
    *,
    display_root: Path | None = None,
    lexicon: Lexicon | None = None,
    county_dir: Path | None = None,
    confine_to: Path | None = None,
    folder: Path | None = None,
) -> FileAccount:
    """Load one file (source None: detected from its folder, names, title and headers); never raises for
    bad content or a bad file: the account says what happened. A file pipelines.ingest.admission turns
    away (a link out of `confine_to`, a format we cannot read, a nested folder below `folder`, a lock
    file) is not opened and gets an account with the reason.

    A header row the county has confirmed a mapping for (county_dir/mappings) maps by it; a file whose
    reading is uncertain is refused and, with a county folder, a mapping proposal is written there."""
    lexicon = lexicon or load_lexicon()
    path = Path(path)
    shown = _display(path, display_root)
    refusal = admission(path, confine_to, folder)
    if refusal is not None:
        # never opened, so never hashed: the batch is keyed by the name it was found under
        sha = hashlib.sha256(f"{refusal.category}:{shown}".encode()).hexdigest()
        account = FileAccount(source=source_name or "", file=shown, sha256=sha, status=refusal.status)
        account.category, account.message = refusal.category, f"{shown}: {refusal.message}"
        _record_batch(con, account, sha[:16], period, "", [])
        return account
    try:
        sha = file_sha256(path)
    except OSError as exc:
        sha = hashlib.sha256(str(path).encode()).hexdigest()
        account = FileAccount(source=source_name or "", file=shown, sha256=sha, status="refused")
        account.category, account.message = "unreadable", f"{shown}: cannot open the file ({exc.strerror})"
        _record_batch(con, account, sha[:16], period, "", [])
        return account
    batch_id = sha[:16]
    account = FileAccount(source=source_name or "", file=shown, sha256=sha)
    already = fetch_one(
        con,
        "SELECT status, source, period, rows_read, rows_loaded, rows_quarantined, rows_ignored,"
        " coalesce(rows_unchanged, 0), coalesce(rows_changed, 0) FROM meta.batches WHERE batch_id = ?",
        [batch_id],
    )
    if already and already[0] == "loaded":
        account.status = "skipped"
        account.source = already[1]
        if already[2] and already[2] != period:
            # an old file sent again: nothing new in it for this period, and its rows are not this period's
            account.resent_from = str(already[2])
            account.message = (
                f"与{already[2]}期已入库的文件完全相同，是旧文件重复报送，未重复入库 | identical to the file "
                f"loaded for {already[2]}: an old file sent again, not loaded again"
            )
            return account
        account.message = "同一文件本期已入库，跳过 | same content already loaded for this period, skipped"
        (
            account.rows_read,
            account.rows_loaded,
            account.rows_quarantined,
            account.rows_ignored,
            account.rows_unchanged,
            account.rows_changed,
        ) = already[3:]
        return account

    encoding = ""
    sheets_used: list[str] = []
    unknown: list[str] = []
    sheets: list[RawSheet] = []
    try:
        sheets = read_any(path)
        for s in sheets:
            encoding = s.encoding or encoding
        mapped = _mapped_headers(sheets, load_mappings(county_dir), source_name)
        if mapped:
            source_name = mapped[0]
            account.source = source_name
            account.detection = f"按已确认的表头对应 {mapped[2]} | confirmed mapping"
        elif source_name is None:
            detected = detect_source(sheets, path, shown, lexicon)
            source_name = detected.source
            account.source = source_name
            account.detection = detected.reason
        source = get_source(source_name)
        typed_parts, quarantine_parts, ignored_parts = _read_sheets(
            sheets,
            source,
            shown,
            batch_id,
            account,
            sheets_used,
            unknown,
            lexicon,
            mapped[1] if mapped else None,
        )
        sheets = []  # the text grids are no longer needed: free them before the rows are stored
    except IngestError as exc:
        account.status = "refused"
        account.category = exc.category
        account.message = f"{shown}: {exc.detail}"
        if county_dir is not None and exc.category in PROPOSE_FOR and sheets:
            written = _propose(county_dir, sheets, source_name, shown, exc, lexicon)
            if written is not None:
                account.message += (
                    f"; a mapping proposal was written to {_display(written, display_root)}: correct it and set"
                    " confirmed: true | 已生成表头对应建议，请核对后将 confirmed 改为 true"
                )
        _record_batch(con, account, batch_id, period, encoding, [])
        return account
    except (OSError, ValueError, MemoryError, zipfile.BadZipFile, zlib.error) as exc:
        # a file our readers did not foresee (a damaged zip deep inside, a vanished file): this file is
        # refused with what went wrong, the run goes on with the others
        account.status, account.category = "refused", "unreadable"
        account.message = f"{shown}: cannot be read ({type(exc).__name__}: {exc})"
        _record_batch(con, account, batch_id, period, encoding, [])
        return account

    typed = pl.concat(typed_parts, how="vertical_relaxed")
    quarantine = pl.concat(quarantine_parts) if quarantine_parts else pl.DataFrame()
    ignored = pl.concat(ignored_parts)
    account.rows_quarantined = (
        quarantine.select("sheet", "row_no").unique().height if quarantine.height else 0
    )
    account.id_problems = _id_problems(typed)

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM meta.batches WHERE batch_id = ?", [batch_id])  # a refused earlier attempt
        repeated = _store_rows(con, typed, source, account)
        ignored = pl.concat([ignored, repeated], how="vertical_relaxed")
        account.rows_ignored = ignored.height
        account.ignored_reasons = dict(ignored.group_by("reason", maintain_order=True).len().iter_rows())
        tag = (batch_id, source.name, shown)
        _append(
            con,
            "quarantine.rows",
            quarantine,
            tag,
            ("sheet", "row_no", "column_name", "value", "reason_zh", "reason_en", "row_json"),
        )
        _append(con, "meta.ignored", ignored, tag, ("sheet", "row_no", "reason"))
        _record_batch(con, account, batch_id, period, encoding, sheets_used, unknown)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return account


PROPOSE_FOR = ("unknown_source", "ambiguous_source", "missing_columns", "no_header", "uncertain_mapping")
"""Refusals an officer can settle by confirming a mapping once."""


def _mapped_headers(
    sheets: list[RawSheet], mappings: dict, source_name: str | None
) -> tuple[str, dict[str, HeaderMap], str] | None:
    """(source, sheet → header, mapping file name) when a data sheet's header row has a confirmed
    mapping (and it agrees with an explicitly given source)."""
    found: dict[str, HeaderMap] = {}
    chosen = None
    for sheet in sheets:
        if sheet.skip_reason:
            continue
        hit = find_mapped_header(sheet.grid, mappings)
        if hit is None or (source_name is not None and hit[0].source != source_name):
            continue
        if chosen is None:
            chosen = hit[0]
        if hit[0].source == chosen.source:
            found[sheet.sheet] = hit[1]
    return (chosen.source, found, chosen.path.name) if chosen is not None else None


def _propose(
    county_dir: Path,
    sheets: list[RawSheet],
    source_name: str | None,
    shown: str,
    exc: IngestError,
    lexicon: Lexicon,
) -> Path | None:
    """Write a mapping proposal for the file's first data sheet (best reading of the likeliest source)."""
    sheet = next((s for s in sheets if not s.skip_reason), None)
    if sheet is None:
        return None
    candidates = tuple(getattr(exc, "candidates", ()) or ())
    source = source_name or (candidates[0] if candidates else None)
    header = None
    if source is not None:
        reading = read_header(sheet.grid, get_source(source), lexicon)
        header = header_map(sheet.grid, reading, get_source(source)) if reading is not None else None
    return write_proposal(county_dir, proposal(sheet.grid, header, source, shown, exc.detail, candidates))


def read_typed(
    path: Path, source_name: str, *, lexicon: Lexicon | None = None, shown: str | None = None
) -> tuple[pl.DataFrame, FileAccount]:
    """Read one file the way the monthly ingest does (the same readers, header by meaning, validation,
    typing and vocabularies: _read_sheets, which load_file also calls) without a warehouse: the typed
    valid rows and the account of every row. Behind `dixian match --registry FILE`. Raises IngestError
    for a file that cannot be read at all."""
    path = Path(path)
    shown = shown or str(path)
    lexicon = lexicon or load_lexicon()
    source = get_source(source_name)
    account = FileAccount(source=source_name, file=shown, sha256="")
    sheets = read_any(path)
    typed_parts, quarantine_parts, ignored_parts = _read_sheets(
        sheets, source, shown, "adhoc", account, [], [], lexicon
    )
    typed = pl.concat(typed_parts, how="vertical_relaxed")
    quarantined = pl.concat(quarantine_parts) if quarantine_parts else pl.DataFrame()
    account.rows_quarantined = (
        quarantined.select("sheet", "row_no").unique().height if quarantined.height else 0
    )
    account.rows_ignored = pl.concat(ignored_parts).height
    account.rows_loaded = typed.height
    return typed, account


def _read_sheets(
    sheets: list[RawSheet],
    source: Source,
    shown: str,
    batch_id: str,
    account: FileAccount,
    sheets_used: list[str],
    unknown: list[str],
    lexicon: Lexicon | None = None,
    mapped: dict[str, HeaderMap] | None = None,
) -> tuple[list[pl.DataFrame], list[pl.DataFrame], list[pl.DataFrame]]:
    """Split every data sheet; sheets without a usable header are reported (one-sheet files raise)."""
    typed_parts: list[pl.DataFrame] = []
    quarantine_parts: list[pl.DataFrame] = []
    ignored_parts: list[pl.DataFrame] = [
        pl.DataFrame(schema={"sheet": pl.String, "row_no": pl.Int64, "reason": pl.String})
    ]
    data_sheets = [s for s in sheets if not s.skip_reason]
    first_error: HeaderError | None = None
    for sheet in sheets:
        if sheet.skip_reason:
            account.sheets_ignored[sheet.sheet] = sheet.skip_reason
            continue
        where = shown + (f" [{sheet.sheet}]" if sheet.sheet else "")
        try:
            part = _split_sheet(sheet, source, where, lexicon, (mapped or {}).get(sheet.sheet))
        except HeaderError as exc:
            if len(data_sheets) == 1:
                raise
            # other sheets (notes, pivots, instructions) of a multi-sheet workbook
            account.sheets_ignored[sheet.sheet] = f"非数据工作表 | not a data sheet ({exc.detail})"
            if first_error is None or (
                isinstance(exc, MissingColumnsError) and not isinstance(first_error, MissingColumnsError)
            ):
                first_error = exc
            continue
        sheets_used.append(sheet.sheet)
        unknown.extend(part.unknown)
        account.rows_read += part.read
        typed, unknown_values = _typed(part.valid, source, batch_id, shown, sheet.sheet, part.header, lexicon)
        typed_parts.append(typed)
        for name, counts in unknown_values.items():
            merged = account.unknown_values.setdefault(name, {})
            for value, n in counts.items():
                merged[value] = merged.get(value, 0) + n
        if part.header is not None:
            texts = part.header.texts or {}
            for c, f in part.header.columns.items():
                account.column_map.setdefault(
                    f,
                    {
                        "header": texts.get(c, ""),
                        "confidence": part.header.confidence.get(f, 0.0),
                        "scale": part.header.scales.get(f, 1.0),
                    },
                )
        quarantine_parts.append(part.quarantine.with_columns(pl.lit(sheet.sheet).alias("sheet")))
        ignored_parts.append(part.ignored.select(pl.lit(sheet.sheet).alias("sheet"), "row_no", "reason"))
    if not sheets_used:
        if first_error is not None:
            raise type(first_error)(
                shown, f"no sheet has a usable header; first problem: {first_error.detail}"
            )
        raise HeaderError(shown, "no sheet with a recognisable header")
    return typed_parts, quarantine_parts, ignored_parts


def id_problem_expr(id_text: pl.Expr, damaged: pl.Expr) -> pl.Expr:
    """The ID problem a department should fix (see ID_PROBLEMS), null for a well-formed number.

    A lean, vectorised classification for counting (pipelines.normalize.idcard.id_columns is what the
    matcher uses; it also dates and normalises, which counting does not need)."""
    s = id_text.cast(pl.String).str.normalize("NFKC").str.replace_all(r"[\s\-'‘’`]", "").str.to_uppercase()
    check = check_char_expr(s)
    return (
        pl.when(s.is_null() | (s == ""))
        .then(pl.lit("missing"))
        .when(damaged.fill_null(False) | s.str.contains(r"^\d(\.\d+)?E\+?\d+$|^\d{15,18}\.\d+$"))
        .then(pl.lit("damaged"))
        .when(s.str.contains(r"\*"))
        .then(pl.lit("masked"))
        .when(s.str.contains(r"^\d{15}$"))
        .then(pl.lit("legacy15"))
        .when(s.str.contains(r"^\d{17}[\dX]$") & (check != s.str.slice(17, 1)))
        .then(pl.lit("bad_check"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _id_problems(typed: pl.DataFrame) -> dict[str, int]:
    if typed.height == 0:
        return {}
    counts = (
        typed.lazy()
        .select(id_problem_expr(pl.col("id_number"), pl.col("id_damaged")).alias("s"))
        .group_by("s")
        .len()
        .collect()
    )
    found = dict(zip(counts.get_column("s").to_list(), counts.get_column("len").to_list(), strict=True))
    return {k: int(found.get(k, 0)) for k in ID_PROBLEMS}


def _store_rows(
    con: duckdb.DuckDBPyConnection, typed: pl.DataFrame, source: Source, account: FileAccount
) -> pl.DataFrame:
    """Insert the file's valid rows as versions; returns the within-file repeats (ignored rows).

    The bookkeeping (content hash, natural key, version) is computed in DuckDB over the two narrow
    columns it needs and comes back in row order; the wide rows are then inserted straight from the
    frame, in file order, without a join or a sort. Semantics per natural key: the first row of the
    file whose content equals the latest stored version is unchanged; every other row is a new version
    (loaded when the key is new to the warehouse, changed otherwise); a row repeated within the file
    (same key, same content) is ignored.

    Must run inside the file's transaction: it reads the latest stored versions and appends to them."""
    # the department's own category words count as content: two rows whose unknown words differ are two
    # rows, and a resend that changes an unknown word is a new version
    content = pl.concat_str(
        [pl.col(f.name).cast(pl.String).fill_null("\u2205") for f in source.fields]
        + [pl.col(name).fill_null("\u2205") for name in raw_text_fields(source)],
        separator="\x1f",
    )
    key_parts = [_key_part(k, source, _is_ascii(typed, k)) for k in source.natural_key]
    key = pl.concat_str(key_parts, separator="|")  # null as soon as one part is null: incomplete key
    # the long content text exists only while it is hashed
    keys = typed.select(content.alias("_content"), key.alias("_key")).with_row_index("_ord")
    register_frame(con, "_keys", keys)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _hashed AS
            SELECT _ord, md5(_content) AS content_hash,
                   CASE WHEN _key IS NULL THEN 'h:' || md5(_content) ELSE 'k:' || _key END AS natural_key
            FROM _keys
            """
        )
        if source.cumulative:
            con.execute(_VERSIONS_SQL.format(table=f"raw.{source.name}"))
        else:
            # a snapshot (the registry): every row is stored, as version 1 of this batch
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _versions AS"
                " SELECT _ord, 1::INTEGER AS version, 'loaded' AS _outcome FROM _hashed"
            )
        booked = con.sql(
            "SELECT h.content_hash, h.natural_key, v.version, v._outcome FROM _hashed h"
            " LEFT JOIN _versions v USING (_ord) ORDER BY h._ord"
        ).pl()
    finally:
        con.execute("DROP TABLE IF EXISTS _versions")
        con.execute("DROP TABLE IF EXISTS _hashed")
        con.unregister("_keys")
    del keys
    outcome = booked.get_column("_outcome")
    counts = dict(outcome.value_counts().iter_rows())
    account.rows_loaded = int(counts.get("loaded", 0))
    account.rows_changed = int(counts.get("changed", 0))
    account.rows_unchanged = int(counts.get("unchanged", 0))
    rows = typed.hstack(booked.select("content_hash", "natural_key", "version"))
    stored = outcome.is_in(["loaded", "changed"])
    whole = account.rows_loaded + account.rows_changed == typed.height
    new_rows = rows if whole else rows.filter(stored)
    fields = [c for c, _ in raw_columns(source)]
    # in slices: handing a frame to DuckDB copies its text into Arrow buffers, so a whole million rows
    # at once would hold every string twice
    for start in range(0, new_rows.height, _INSERT_ROWS):
        register_frame(con, "_rows", new_rows.slice(start, _INSERT_ROWS).select(fields))
        try:
            con.execute(f"INSERT INTO raw.{source.name} BY NAME SELECT * FROM _rows")
        finally:
            con.unregister("_rows")
    repeats = typed.filter(outcome.is_null()).select(
        "sheet", pl.col("row_no").cast(pl.Int64), pl.lit(REASON_REPEATED).alias("reason")
    )
    return repeats


_INSERT_ROWS = 2 * 122_880  # whole DuckDB row groups: a partial one at each slice's end slows the insert

_VERSIONS_SQL = """
CREATE OR REPLACE TEMP TABLE _versions AS
WITH firsts AS (
    SELECT * FROM _hashed
    QUALIFY row_number() OVER (PARTITION BY natural_key, content_hash ORDER BY _ord) = 1
),
latest AS (
    SELECT natural_key, max(version)::INTEGER AS _v_prev, arg_max(content_hash, version) AS _h_prev
    FROM {table}
    WHERE natural_key IN (SELECT natural_key FROM firsts)
    GROUP BY natural_key
),
placed AS (
    SELECT f.*, l._v_prev,
           row_number() OVER (PARTITION BY f.natural_key ORDER BY f._ord) - 1 AS _k,
           first_value(coalesce(f.content_hash = l._h_prev, false))
               OVER (PARTITION BY f.natural_key ORDER BY f._ord) AS _first_same
    FROM firsts f LEFT JOIN latest l USING (natural_key)
)
SELECT _ord,
       (coalesce(_v_prev, 0) + _k + 1 - _first_same::INTEGER)::INTEGER AS version,
       CASE WHEN _k = 0 AND _first_same THEN 'unchanged'
            WHEN _v_prev IS NULL AND _k = 0 THEN 'loaded'
            ELSE 'changed' END AS _outcome
FROM placed
"""
"""Per row first in the file with its (natural key, content): its version and what it is (a row not
listed is a repeat within the file)."""


def _append(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: pl.DataFrame,
    tag: tuple[str, str, str],
    columns: tuple[str, ...],
) -> None:
    """Insert rows of one file into a bookkeeping table, prefixed with (batch_id, source, file)."""
    if not rows.height:
        return
    batch_id, source, file = tag
    frame = rows.select(
        pl.lit(batch_id).alias("batch_id"),
        pl.lit(source).alias("source"),
        pl.lit(file).alias("file"),
        *columns,
    )
    register_frame(con, "_rows", frame)
    con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
    con.unregister("_rows")


def _record_batch(
    con: duckdb.DuckDBPyConnection,
    account: FileAccount,
    batch_id: str,
    period: str,
    encoding: str,
    sheets: list[str],
    unknown: list[str] | tuple[str, ...] = (),
) -> None:
    con.execute("DELETE FROM meta.batches WHERE batch_id = ?", [batch_id])
    con.execute(
        "INSERT INTO meta.batches (batch_id, source, period, file, sha256, status, message, encoding, sheets,"
        " unknown_columns, rows_read, rows_loaded, rows_quarantined, rows_ignored, rows_unchanged,"
        " rows_changed, category, sheets_ignored, id_problems, unknown_values, column_map)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            account.source,
            period,
            account.file,
            account.sha256,
            account.status,
            account.message,
            encoding,
            json.dumps(sheets, ensure_ascii=False),
            json.dumps(list(unknown), ensure_ascii=False),
            account.rows_read,
            account.rows_loaded,
            account.rows_quarantined,
            account.rows_ignored,
            account.rows_unchanged,
            account.rows_changed,
            account.category,
            json.dumps(account.sheets_ignored, ensure_ascii=False),
            json.dumps(account.id_problems, ensure_ascii=False),
            json.dumps(account.unknown_values, ensure_ascii=False),
            json.dumps(account.column_map, ensure_ascii=False),
        ],
    )
