"""Load one file of one source into the warehouse: read → header → validate → raw + quarantine.

Every row read is accounted for: read = loaded + quarantined + ignored (blank rows, totals rows,
notes under the table, each with its reason). A file is keyed by its content hash, so loading the
same file twice is a no-op, and each file loads in one transaction: a crash leaves no partial batch.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from pipelines.ingest.header import HeaderError, find_header
from pipelines.ingest.readers import RawSheet, ReadError, read_any
from pipelines.normalize.values import parse_amount_expr, parse_date_expr
from pipelines.warehouse import fetch_one, raw_columns
from schemas import get_schema, get_source
from schemas.base import Source

TOTALS = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|累\s*计)")
NOTES = re.compile(r"^\s*(注|说明|备注|制表|填报|审核|负责人|联系人|单位负责人)")


@dataclass
class FileAccount:
    """What happened to one file; printed per file and stored in meta.batches."""

    source: str
    file: str
    sha256: str
    status: str = "loaded"
    """loaded | skipped (same content already loaded) | rejected (file-level problem)."""
    message: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_ignored: int = 0
    ignored_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_ignored


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _ignore_reason(row: dict, cols: list[str]) -> str | None:
    values = [str(row[c]).strip() for c in cols if row[c] is not None and str(row[c]).strip() != ""]
    if not values:
        return "空行 | blank row"
    if any(TOTALS.match(v) for v in values[:3]):
        return "合计行 | totals row"
    if len(values) == 1 and NOTES.match(values[0]):
        return "表尾说明 | note under the table"
    return None


@dataclass
class SheetRows:
    valid: pl.DataFrame
    quarantine: pl.DataFrame
    ignored: list[tuple[int, str]]
    read: int


def _split_sheet(sheet: RawSheet, source: Source, where: str) -> SheetRows:
    header = find_header(sheet.grid, source, where)
    body = sheet.grid.filter(pl.col("row_no") > header.header_row_no)
    cols = [c for c in body.columns if c != "row_no"]
    ignored: list[tuple[int, str]] = []
    keep: list[bool] = []
    for row in body.iter_rows(named=True):
        reason = _ignore_reason(row, cols)
        keep.append(reason is None)
        if reason:
            ignored.append((int(row["row_no"]), reason))
    body = body.filter(pl.Series(keep, dtype=pl.Boolean)) if keep else body
    id_col = next((c for c, f in header.columns.items() if f == "id_number"), None)
    frame = body.select(
        pl.col("row_no"),
        *[pl.col(c).alias(f) for c, f in header.columns.items()],
    )
    missing = [f.name for f in source.fields if f.name not in frame.columns]
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(m) for m in missing])
    damaged = set()
    if id_col is not None and sheet.numeric_cells:
        idx = int(id_col[1:])
        damaged = {r for r, c in sheet.numeric_cells if c == idx}
    frame = frame.with_columns(pl.col("row_no").is_in(sorted(damaged)).alias("id_damaged"))
    frame = frame.with_row_index("_idx")

    failures = _validate(frame, source)
    bad_idx = failures.get_column("index").unique() if failures.height else pl.Series([], dtype=pl.Int32)
    valid = frame.filter(~pl.col("_idx").is_in(bad_idx.implode()))
    quarantined = _quarantine_rows(frame, failures, source)
    return SheetRows(valid=valid, quarantine=quarantined, ignored=ignored, read=body.height + len(ignored))


def _validate(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    try:
        get_schema(source.name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases.filter(pl.col("index").is_not_null())
    return pl.DataFrame(
        schema={"index": pl.Int32, "column": pl.String, "check": pl.String, "failure_case": pl.String}
    )


def _quarantine_rows(frame: pl.DataFrame, failures: pl.DataFrame, source: Source) -> pl.DataFrame:
    """One quarantine line per (row, failed check) with the value and a bilingual reason."""
    if failures.height == 0:
        return pl.DataFrame(
            schema={
                "row_no": pl.Int64,
                "column_name": pl.String,
                "value": pl.String,
                "reason_zh": pl.String,
                "reason_en": pl.String,
                "row_json": pl.String,
            }
        )
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


def _typed(valid: pl.DataFrame, source: Source, batch_id: str, file: str, sheet: str) -> pl.DataFrame:
    exprs = []
    for f in source.fields:
        col = pl.col(f.name).str.strip_chars()
        if f.type == "date":
            exprs.append(parse_date_expr(col).alias(f.name))
        elif f.type in ("amount", "int"):
            exprs.append(parse_amount_expr(col).alias(f.name))
        elif f.type in ("id_number", "name", "enum"):
            exprs.append(col.alias(f.name))
        else:
            exprs.append(pl.col(f.name).alias(f.name))
    sheet_tag = sheet or "csv"
    out = valid.select(
        pl.lit(batch_id).alias("batch_id"),
        (pl.lit(f"{batch_id}:{sheet_tag}:") + pl.col("row_no").cast(pl.String)).alias("row_key"),
        pl.lit(file).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.col("row_no"),
        pl.col("id_damaged"),
        *exprs,
    )
    return out.select([c for c, _ in raw_columns(source)])


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_name: str,
    period: str,
    *,
    display_root: Path | None = None,
) -> FileAccount:
    """Load one file; never raises for bad content: the account says what happened."""
    source = get_source(source_name)
    sha = file_sha256(path)
    batch_id = sha[:16]
    shown = (
        str(path.relative_to(display_root))
        if display_root and path.is_relative_to(display_root)
        else str(path)
    )
    account = FileAccount(source=source_name, file=shown, sha256=sha)
    already = fetch_one(
        con,
        "SELECT status, rows_read, rows_loaded, rows_quarantined, rows_ignored FROM meta.batches WHERE batch_id = ?",
        [batch_id],
    )
    if already and already[0] == "loaded":
        account.status = "skipped"
        account.message = "同一文件已入库，跳过 | same content already loaded, skipped"
        account.rows_read, account.rows_loaded, account.rows_quarantined, account.rows_ignored = already[1:]
        return account

    valid_parts: list[pl.DataFrame] = []
    quarantine_parts: list[pl.DataFrame] = []
    ignored: list[tuple[str, int, str]] = []
    encoding = ""
    sheets_used: list[str] = []
    try:
        sheets = read_any(path)
        for sheet in sheets:
            where = f"{shown}" + (f" [{sheet.sheet}]" if sheet.sheet else "")
            encoding = sheet.encoding or encoding
            try:
                part = _split_sheet(sheet, source, where)
            except HeaderError:
                if len(sheets) > 1:
                    continue  # other sheets (notes, pivot) of a multi-sheet workbook
                raise
            sheets_used.append(sheet.sheet)
            account.rows_read += part.read
            valid_parts.append(_typed(part.valid, source, batch_id, shown, sheet.sheet))
            quarantine_parts.append(part.quarantine.with_columns(pl.lit(sheet.sheet).alias("sheet")))
            ignored += [(sheet.sheet, r, why) for r, why in part.ignored]
        if not sheets_used:
            raise HeaderError(shown, "no sheet with a recognisable header")
    except (ReadError, HeaderError) as exc:
        account.status = "rejected"
        account.message = str(exc)
        _record_batch(con, account, batch_id, period, encoding, [], ())
        return account

    valid = pl.concat(valid_parts) if valid_parts else pl.DataFrame()
    quarantine = pl.concat(quarantine_parts) if quarantine_parts else pl.DataFrame()
    account.rows_loaded = valid.height
    account.rows_quarantined = quarantine.get_column("row_no").n_unique() if quarantine.height else 0
    account.rows_ignored = len(ignored)
    account.ignored_reasons = dict(Counter(why for _, _, why in ignored))

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM meta.batches WHERE batch_id = ?", [batch_id])  # a rejected earlier attempt
        if valid.height:
            con.register("_valid", valid)
            con.execute(f"INSERT INTO raw.{source_name} SELECT * FROM _valid")
            con.unregister("_valid")
        if quarantine.height:
            q = quarantine.select(
                pl.lit(batch_id).alias("batch_id"),
                pl.lit(source_name).alias("source"),
                pl.lit(shown).alias("file"),
                "sheet",
                "row_no",
                "column_name",
                "value",
                "reason_zh",
                "reason_en",
                "row_json",
            )
            con.register("_q", q)
            con.execute("INSERT INTO quarantine.rows SELECT * FROM _q")
            con.unregister("_q")
        if ignored:
            con.executemany(
                "INSERT INTO meta.ignored VALUES (?, ?, ?, ?, ?, ?)",
                [[batch_id, source_name, shown, s, r, why] for s, r, why in ignored],
            )
        _record_batch(con, account, batch_id, period, encoding, sheets_used, ())
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return account


def _record_batch(
    con, account: FileAccount, batch_id: str, period: str, encoding: str, sheets, unknown
) -> None:
    con.execute("DELETE FROM meta.batches WHERE batch_id = ?", [batch_id])
    con.execute(
        "INSERT INTO meta.batches (batch_id, source, period, file, sha256, status, message, encoding, sheets,"
        " unknown_columns, rows_read, rows_loaded, rows_quarantined, rows_ignored)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ],
    )
