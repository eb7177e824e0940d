"""Read department files as the people who made them left them: every cell as text.

A reader returns each sheet as a grid of text cells with the physical row number a person sees in
Excel (or the line of a CSV where the record starts). Finding the header row, mapping headers and
validating are later steps (see header.py and loader.py); a reader only decodes.

The format is sniffed from the bytes, not trusted from the suffix: web systems export an HTML table
or tab-separated text named `.xls`, people rename `.xls` to `.xlsx`, and an encrypted XLSX is an OLE2
container. Whole-file failures raise the classes in errors.py.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal, cast
from xml.etree.ElementTree import iterparse

import fastexcel
import polars as pl

from pipelines.ingest.errors import (
    EmptyFileError,
    PasswordProtectedError,
    ReadError,
    TooLargeError,
    UnreadableFileError,
    UnsupportedFileTypeError,
)
from pipelines.ingest.limits import current as current_limits
from pipelines.ingest.limits import env_name

# a long field is never a reason to refuse a whole file: the row with an over-long cell is quarantined
# (pipelines.ingest.loader), memory is bounded by the file-size limit
csv.field_size_limit(2**31 - 1)

SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".htm", ".html")

FileFormat = Literal["csv", "xlsx", "xls", "html"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

__all__ = [
    "SUPPORTED_SUFFIXES",
    "RawSheet",
    "ReadError",
    "detect_encoding",
    "read_any",
    "read_csv",
    "read_html_table",
    "read_xlsx",
    "sniff_format",
]


@dataclass
class RawSheet:
    """One sheet (or a CSV) as text cells. `grid` columns are c0…cN, a blank or all-space cell is null
    (_blank_to_null: later steps rely on it); `row_no` is the physical row, ascending."""

    path: Path
    sheet: str
    grid: pl.DataFrame
    encoding: str = ""
    numeric_cells: set[tuple[int, int]] = field(default_factory=set)
    """(row_no, column index) of cells stored as numbers: an ID there has lost digits."""
    skip_reason: str = ""
    """Set for a sheet that holds no data (hidden, empty): reported, never loaded."""


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError(f"neither UTF-8 nor GBK/GB18030 (byte {exc.start})") from exc


def sniff_format(path: Path, head: bytes | None = None) -> FileFormat:
    """What the bytes are, whatever the name says. Raises for empty, encrypted and unknown binary files."""
    if head is None:
        with path.open("rb") as fh:
            head = fh.read(4096)
    if not head:
        raise EmptyFileError(path, "empty file (0 bytes) | 空文件")
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE2):
        # an OLE2 container is a legacy .xls, or an encrypted OOXML workbook (EncryptedPackage stream)
        if _ENCRYPTED_PACKAGE in path.read_bytes():
            raise PasswordProtectedError(
                path, "password-protected workbook: remove the password and send it again | 工作簿设有密码"
            )
        return "xls"
    text_head = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n").lower()
    if text_head.startswith(b"<") and re.search(rb"<(html|table|!doctype|meta|tr)\b", head.lower()):
        return "html"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        kind = path.suffix.lower() or "unknown"
        raise UnsupportedFileTypeError(
            path, f"binary file of an unsupported type ({kind}); expected CSV, XLSX, XLS or an HTML table"
        )
    return "csv"


# -- CSV / delimited text ------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text and its encoding, decoding once (detect_encoding would decode twice)."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        encoding = detect_encoding(data)
    except ValueError as exc:
        raise UnreadableFileError(path, f"cannot decode text: {exc}") from exc
    return data.decode(encoding), encoding


def _delimiter(text: str) -> str:
    sample = [line for line in text[:20000].splitlines() if line.strip()][:20]
    tabs = sum(line.count("\t") for line in sample)
    commas = sum(line.count(",") for line in sample)
    return "\t" if tabs > commas else ","


def _blank_to_null(grid: pl.DataFrame) -> pl.DataFrame:
    return grid.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in grid.columns
        if c != "row_no"
    )


def _grid_from_rows(
    rows: Sequence[Sequence[str | None]], row_nos: list[int] | None, first_row_no: int = 1
) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    cols = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    grid = pl.DataFrame(cols, schema={k: pl.String for k in cols})
    if row_nos is None:
        row_no = pl.int_range(first_row_no, first_row_no + len(rows), dtype=pl.Int64)
        return _blank_to_null(grid.with_columns(row_no.alias("row_no")))
    return _blank_to_null(grid.with_columns(pl.Series("row_no", row_nos, dtype=pl.Int64)))


def _split_unquoted(text: str, delimiter: str) -> pl.DataFrame:
    """Text without any quote character, split line by line. Lines end at CR LF, LF or CR, as for the
    csv module (a form feed or U+2028 inside a line is text, not a line break)."""
    split = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = pl.Series("line", split[:-1] if split[-1] == "" else split, dtype=pl.String)
    if lines.len() == 0:
        return pl.DataFrame({"row_no": pl.Series([], dtype=pl.Int64)})
    # the max of a UInt32 count column: an int (None only for an all-null column)
    most = cast("int | None", lines.str.count_matches(re.escape(delimiter), literal=False).max())
    width = int(most or 0) + 1
    frame = (
        lines.to_frame()
        .select(pl.col("line").str.split(delimiter).list.to_struct(fields=[f"c{i}" for i in range(width)]))
        .unnest("line")
    )
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row_no"))
    return _blank_to_null(frame)


_SAMPLE_LINES = 10_000


def _read_plain_utf8(data: bytes) -> tuple[pl.DataFrame, str] | None:
    """The common case at the speed of a bare polars.read_csv: UTF-8 text, one record per line (quoted
    fields such as "1,234.50" allowed), read by polars' own parallel reader (which also checks that the
    bytes are UTF-8) without decoding the file in Python. Blank lines are rows too, so the row number
    stays the line number. None when the text is not that simple (another encoding, a lone CR line
    break, a quoted field spanning lines, an escaped or stray quote, a line wider than the first ones):
    the caller decodes it and reads it with the csv module or line by line, which never loses a field."""
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if not data or data.isspace():
        return None
    quoted = b'"' in data
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None
    sample = data[: 1 << 20]
    head = sample.decode("utf-8", errors="replace")
    delimiter = _delimiter(head)
    lines = head.split("\n", _SAMPLE_LINES)
    if len(lines) > 1 and (len(sample) < len(data) or len(lines) > _SAMPLE_LINES):
        lines = lines[:-1]  # the last line of the sample may be cut short
    try:  # the widest line of the sample, its fields counted as the csv module counts them
        records = csv.reader(lines, delimiter=delimiter) if quoted else (x.split(delimiter) for x in lines)
        width = max(map(len, records))
    except csv.Error:
        return None
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char='"' if quoted else None,
            schema={f"c{i}": pl.String for i in range(width)},
            missing_columns="insert",  # the first line may be narrower than the widest
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:  # not UTF-8, or a line wider than the sample's widest
        return None
    if frame.height != data.count(b"\n") + (0 if data.endswith(b"\n") else 1):
        return None  # never trust a reading whose rows are not the lines
    if quoted and frame.select(pl.any_horizontal(pl.all().str.contains('"', literal=True)).any()).item():
        return None  # "" escapes or a quote inside a field: read as the csv module reads it
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row_no"))
    return _blank_to_null(frame), encoding


def _check_csv_width(path: Path, data: bytes) -> None:
    """Refuse a CSV wider than the column limit from its first lines, before a parser allocates a
    column for each field (a 4 MB line of commas is a million columns)."""
    head = data[: 1 << 20]
    lines = head.split(b"\n", 200)[:200]
    widest = max(
        (max(line.count(b","), line.count(b"\t"), line.count(b";")) + 1 for line in lines), default=0
    )
    _check_size(path, widest, "max_columns", "列数过多 | too many columns")


def read_csv(path: Path) -> RawSheet:
    """A CSV (or tab-separated text) in UTF-8 or GBK (simple UTF-8 text by polars' reader, the rest
    with the csv module). `row_no` is the physical line where a record starts:
    a quoted field with line breaks inside makes one record span several lines, and the next record's
    number is still the line a person sees in a text editor."""
    data = path.read_bytes()
    _check_csv_width(path, data)
    plain = _read_plain_utf8(data)
    if plain is not None:
        return RawSheet(path=path, sheet="", grid=plain[0], encoding=plain[1])
    text, encoding = _decode(path, data)
    if not text.strip():
        raise EmptyFileError(path, "empty file (no text, only blank lines) | 空文件")
    delimiter = _delimiter(text)
    if '"' not in text:
        return RawSheet(path=path, sheet="", grid=_split_unquoted(text, delimiter), encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []
    previous = 0
    try:
        for record in reader:
            starts.append(previous + 1)
            previous = reader.line_num
            rows.append(record)
    except csv.Error as exc:
        raise UnreadableFileError(path, f"malformed CSV near line {reader.line_num}: {exc}") from exc
    return RawSheet(path=path, sheet="", grid=_grid_from_rows(rows, starts), encoding=encoding)


# -- HTML tables (the ".xls" that web systems export) -----------------------------------------------------


class _TableParser(HTMLParser):
    """Collects every <table> as rows of (text, colspan, rowspan) cells; nested tables are flattened."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._stack: list[list[list[tuple[str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)

    @staticmethod
    def _int(value: str | None) -> int:
        try:
            return max(1, min(int(value or 1), 1000))
        except ValueError:
            return 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            if not self._stack[-1]:
                self._stack[-1].append([])
            a = dict(attrs)
            self._cell = []
            self._span = (self._int(a.get("colspan")), self._int(a.get("rowspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            text = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(self._cell)).strip()
            self._stack[-1][-1].append((text, *self._span))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _layout(rows: list[list[tuple[str, int, int]]]) -> list[list[str | None]]:
    """Place cells on a grid honouring colspan/rowspan; a merged area keeps its text in its top-left
    cell only, as Excel shows (and as calamine reads) a merged range."""
    grid: dict[tuple[int, int], str | None] = {}
    taken: set[tuple[int, int]] = set()
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for text, colspan, rowspan in row:
            while (r, c) in taken:
                c += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            grid[(r, c)] = text or None
            c += colspan
            width = max(width, c)
    height = max((r for r, _ in taken), default=-1) + 1
    return [[grid.get((r, c)) for c in range(width)] for r in range(height)]


def read_html_table(path: Path) -> RawSheet:
    """The largest table of an HTML file; `row_no` is the table row (what Excel shows when it opens it)."""
    data = path.read_bytes()
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", data[:4096])
    encoding = ""
    if m:
        declared = m.group(1).decode("ascii").lower()
        encoding = "gb18030" if declared in ("gbk", "gb2312", "gb18030") else declared
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            encoding = ""
    if not encoding:
        text, encoding = _decode(path, data)
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; anything raised means the bytes are not HTML
        raise UnreadableFileError(path, f"not a readable HTML table ({exc})") from exc
    tables = [t for t in parser.tables if any(t)]
    if not tables:
        raise EmptyFileError(path, "HTML file without a table | 网页文件中没有表格")
    rows = _layout(max(tables, key=len))
    return RawSheet(path=path, sheet="", grid=_grid_from_rows(rows, None), encoding=encoding)


# -- Workbooks ------------------------------------------------------------------------------------------

_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _sheet_xml_paths(zf: zipfile.ZipFile) -> list[str]:
    """Worksheet XML parts in workbook order (sheet1.xml, sheet2.xml …)."""
    names = [n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]

    def number(name: str) -> int:
        m = re.search(r"(\d+)\.xml$", name)
        assert m is not None  # every name matched sheet\d+\.xml above
        return int(m.group(1))

    return sorted(names, key=number)


# a cell with content (not self-closing): <c r="B12" s="3" t="s">…; attribute order varies by writer
_VALUED_CELL = re.compile(rb'<c\s+(?:[^>]*?\s)?r="([A-Z]+)(\d+)"([^>]*?)(?<!/)>')
_TYPE_ATTR = re.compile(rb'\st="([a-zA-Z]+)"')


def _scan_sheet_xml(zf: zipfile.ZipFile, part: str) -> tuple[int, set[tuple[int, int]]]:
    """First used row and the positions of numeric cells, from the sheet XML (types calamine hides).

    Column indices are relative to the first used column, as calamine's grid is. A regular expression
    over the part's bytes: iterparse took 7× longer than calamine's whole read."""
    data = zf.read(part)
    first_row = 0
    first_col = -1
    numeric: set[tuple[int, int]] = set()
    found = False
    for m in _VALUED_CELL.finditer(data):
        found = True
        letters, row_text, rest = m.group(1), m.group(2), m.group(3)
        # attributes before r= are in the match's head; t= may sit on either side of r=
        head = m.group(0)[: m.start(1) - m.start(0)]
        t = _TYPE_ATTR.search(head) or _TYPE_ATTR.search(rest)
        row_no = int(row_text)
        col = _col_index(letters.decode("ascii"))
        if first_row == 0 or row_no < first_row:
            first_row = row_no
        if first_col < 0 or col < first_col:
            first_col = col
        if t is None or t.group(1) == b"n":
            numeric.add((row_no, col))
    if not found and b"<c" in data:
        return _scan_sheet_xml_slow(zf, part)  # cells without r= references
    shift = max(first_col, 0)
    return first_row or 1, {(r, c - shift) for r, c in numeric}


def _scan_sheet_xml_slow(zf: zipfile.ZipFile, part: str) -> tuple[int, set[tuple[int, int]]]:
    first_row = 0
    first_col = -1
    numeric: set[tuple[int, int]] = set()
    with zf.open(part) as fh:
        for _, elem in iterparse(fh):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "c":
                ref = elem.get("r", "")
                m = _CELL_REF.fullmatch(ref)
                # <v> holds a value; <is> an inline string (xlsxwriter's constant_memory, many web exports)
                has_value = any(child.tag.rsplit("}", 1)[-1] in ("v", "is") for child in elem)
                if m and has_value:
                    row_no = int(m.group(2))
                    col = _col_index(m.group(1))
                    if first_row == 0 or row_no < first_row:
                        first_row = row_no
                    if first_col < 0 or col < first_col:
                        first_col = col
                    if elem.get("t") in (None, "n"):
                        numeric.add((row_no, col))
                elem.clear()
            elif tag == "row":
                elem.clear()
    shift = max(first_col, 0)
    return first_row or 1, {(r, c - shift) for r, c in numeric}


def _scan_xls_sheet(path: Path, index: int) -> tuple[int, set[tuple[int, int]]]:
    """For a legacy .xls (BIFF): the first used row and the numeric cells, from xlrd's cell types.

    calamine gives values only; xlrd reads the record types, so an ID typed as a number is flagged
    in .xls as it is in .xlsx. Column indices are relative to the first used column, as calamine's are."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(index)
    except Exception:  # xlrd cannot read it: calamine's values still load, without the flags
        return 1, set()
    used = [
        (r, c)
        for r in range(sheet.nrows)
        for c in range(sheet.ncols)
        if sheet.cell_type(r, c) not in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
    ]
    if not used:
        return 1, set()
    first_row = min(r for r, _ in used)
    first_col = min(c for _, c in used)
    numeric = {(r + 1, c - first_col) for r, c in used if sheet.cell_type(r, c) == xlrd.XL_CELL_NUMBER}
    book.release_resources()
    return first_row + 1, numeric


def _read_workbook(path: Path, fmt: Literal["xlsx", "xls"]) -> list[RawSheet]:
    """Every sheet; those without data come back with a `skip_reason` so the loader can report them.

    Cell types calamine does not give (numbers stored where text was meant, the first used row) come
    from the sheet XML for .xlsx and from xlrd for legacy .xls."""
    try:
        zf = zipfile.ZipFile(path) if fmt == "xlsx" else None
    except Exception as exc:  # zip raises many types for a corrupt file
        raise UnreadableFileError(path, f"not a readable {fmt.upper()} workbook ({exc})") from exc
    if zf is not None:
        _check_zip(path, zf)  # before calamine inflates a byte
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # calamine raises many types for a corrupt file
        raise UnreadableFileError(path, f"not a readable {fmt.upper()} workbook ({exc})") from exc
    parts = _sheet_xml_paths(zf) if zf else []
    sheets: list[RawSheet] = []
    for idx, name in enumerate(reader.sheet_names):
        try:
            sheet = reader.load_sheet(idx, header_row=None, dtypes="string")
        except Exception as exc:
            sheets.append(
                RawSheet(path, name, pl.DataFrame(), skip_reason=f"工作表无法读取 | unreadable ({exc})")
            )
            continue
        if sheet.visible != "visible":
            sheets.append(RawSheet(path, name, pl.DataFrame(), skip_reason="隐藏工作表 | hidden sheet"))
            continue
        frame = sheet.to_polars()
        if frame.height == 0:
            sheets.append(RawSheet(path, name, pl.DataFrame(), skip_reason="空工作表 | empty sheet"))
            continue
        first_row = 1
        numeric: set[tuple[int, int]] = set()
        if zf is not None and idx < len(parts):
            first_row, numeric = _scan_sheet_xml(zf, parts[idx])
        elif fmt == "xls":
            first_row, numeric = _scan_xls_sheet(path, idx)
        frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
        frame = frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns)
        frame = frame.with_columns(
            pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("row_no")
        )
        sheets.append(RawSheet(path=path, sheet=name, grid=_blank_to_null(frame), numeric_cells=numeric))
    if not any(not s.skip_reason for s in sheets):
        raise EmptyFileError(path, "workbook without data: every sheet is empty or hidden | 工作簿没有数据")
    return sheets


def read_xlsx(path: Path) -> list[RawSheet]:
    """Every sheet of an XLSX workbook (sheets without data carry a skip_reason)."""
    return _read_workbook(path, "xlsx")


def read_any(path: Path) -> list[RawSheet]:
    """All sheets of a CSV, XLSX, XLS or HTML-table file, the format sniffed from its bytes."""
    if not path.is_file():
        raise UnreadableFileError(path, "no such file")
    _check_size(path, path.stat().st_size, "max_file_bytes", "文件过大 | file too large")
    fmt = sniff_format(path)
    if fmt == "csv" and path.suffix.lower() not in (
        ".csv",
        ".txt",
        ".tsv",
        ".xls",
        ".xlsx",
        ".htm",
        ".html",
        "",
    ):
        raise UnsupportedFileTypeError(
            path, f"unsupported file type {path.suffix!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if fmt == "csv":
        sheets = [read_csv(path)]
    elif fmt == "html":
        sheets = [read_html_table(path)]
    else:
        sheets = _read_workbook(path, fmt)
    for sheet in sheets:
        where = f"sheet {sheet.sheet!r}: " if sheet.sheet else ""
        width = len([c for c in sheet.grid.columns if c != "row_no"])
        _check_size(path, width, "max_columns", f"{where}列数过多 | too many columns")
        _check_size(path, sheet.grid.height, "max_rows", f"{where}行数过多 | too many rows")
    return sheets


def _check_size(path: Path, value: int, limit: str, what: str) -> None:
    """Refuse the file when `value` exceeds the named limit, saying by how much and how to raise it."""
    allowed = getattr(current_limits(), limit)
    if value > allowed:
        raise TooLargeError(
            path,
            f"{what}: {value:,} > {allowed:,} (limit {limit}; a county machine that can take it sets "
            f"{env_name(limit)})",
        )


_CELL_REF_BYTES = re.compile(rb'<c\s[^>]*?r="([A-Z]{1,3})(\d{1,7})"')


def _check_zip(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse an XLSX that would unzip to more than the limits allow (a zip bomb) or whose sheets span
    more rows, columns or cells than the limits, before calamine inflates or allocates anything.

    First from the sizes the zip's directory declares; then every part is streamed through zipfile,
    which stops at the declared size and checks the CRC, so a directory that lies is caught too. The
    used range of each sheet comes from its cell references: calamine allocates the whole rectangle
    from the first used cell to the last (a 5 KB file with one far cell asked for 12.8 GB)."""
    limits = current_limits()
    declared = sum(i.file_size for i in zf.infolist())
    packed = max(1, sum(i.compress_size for i in zf.infolist()))
    _check_size(path, declared, "max_inflated_bytes", "解压后过大 | unzips to too many bytes")
    if declared > 100 * 1024 * 1024 and declared / packed > limits.max_inflated_ratio:
        raise TooLargeError(
            path,
            f"疑似压缩炸弹 | looks like a zip bomb: {packed:,} bytes unzip to {declared:,} "
            f"(ratio {declared // packed:,} > {limits.max_inflated_ratio}; limit max_inflated_ratio, "
            f"{env_name('max_inflated_ratio')})",
        )
    total = 0
    try:
        for info in zf.infolist():
            sheet = re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename) is not None
            rows: list[int] = []
            cols: list[int] = []
            with zf.open(info) as part:
                tail = b""
                while chunk := part.read(1 << 22):
                    total += len(chunk)
                    _check_size(path, total, "max_inflated_bytes", "解压后过大 | unzips to too many bytes")
                    if sheet:
                        buf = tail + chunk
                        refs = _CELL_REF_BYTES.findall(buf)
                        if refs:
                            rows += (int(min(r for _, r in refs)), int(max(r for _, r in refs)))
                            letters = {c for c, _ in refs}
                            cols += (min(map(_col_index_bytes, letters)), max(map(_col_index_bytes, letters)))
                        tail = buf[-256:]
            if sheet and rows:
                height, width = max(rows) - min(rows) + 1, max(cols) - min(cols) + 1
                where = f"{info.filename}: "
                _check_size(path, width, "max_columns", f"{where}列数过多 | too many columns")
                _check_size(path, height, "max_rows", f"{where}行数过多 | too many rows")
                _check_size(path, height * width, "max_sheet_cells", f"{where}单元格过多 | too many cells")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnreadableFileError(path, f"not a readable XLSX workbook: the zip is damaged ({exc})") from exc


def check_workbook(path: Path) -> None:
    """The same bounds for any XLSX Dixian opens (a returned township workbook too): size, zip bomb,
    damaged zip, used range; raises TooLargeError or UnreadableFileError."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(path, f"not a readable XLSX workbook ({exc})") from exc
    with zf:
        _check_zip(path, zf)


def _col_index_bytes(letters: bytes) -> int:
    return _col_index(letters.decode("ascii"))
