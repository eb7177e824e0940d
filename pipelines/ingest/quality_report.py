"""Data-quality feedback per department (数据质量反馈): what the county sends back to whoever made the file.

One workbook per department and period, in Chinese: per file the accounting (读取/入库/未变/更新/隔离/
忽略); 问题行明细, one line per problem per data row (file, sheet, the row number the department sees,
its own column header, the value as sent with ID numbers masked, the problem and how to fix it), so the
department can correct its file and resend; every quarantined row with the column, the value and the
reason, every ignored row with its reason, skipped sheets, and the ID-number problems (缺失/15位/校验位
错误/被Excel损坏/脱敏) and unknown values counted per file. Values are written as strings or numbers
(never formulas or links), every ID number masked, and the document's created date is fixed, so the
same warehouse gives the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.export.cells import write_text
from pipelines.ingest.lexicon import Lexicon, load_lexicon
from pipelines.ingest.loader import ID_PROBLEMS, id_problem_expr
from pipelines.normalize.idcard import mask_id, mask_ids_in_text
from pipelines.outputs import AtomicWorkbook, output_file, safe_component
from pipelines.warehouse import quote_ident, table_exists
from schemas import all_sources, get_source
from schemas.base import Source, raw_text_name

UNKNOWN_DEPARTMENT = "未识别来源"
_FIXED_CREATED = datetime(2000, 1, 1)

STATUS_ZH = {"loaded": "已入库", "skipped": "重复文件已跳过", "refused": "拒收"}
CATEGORY_ZH = {
    "unknown_source": "无法识别数据来源",
    "ambiguous_source": "数据来源不明确",
    "missing_columns": "缺少必填列",
    "no_header": "未找到表头",
    "empty_file": "空文件",
    "unreadable": "文件无法读取或已损坏",
    "unsupported_type": "不支持的文件类型",
    "password_protected": "工作簿设有密码",
    "uncertain_mapping": "表头识别不确定，待确认",
    "bad_mapping": "已确认的表头对应文件有误",
}
ID_PROBLEM_ZH = {
    "missing": "缺失",
    "legacy15": "15位",
    "bad_check": "校验位错误",
    "damaged": "被Excel损坏",
    "masked": "脱敏",
}

FILE_HEADERS = ("数据来源", "文件", "状态", "读取", "入库", "未变", "更新", "隔离", "忽略", "问题说明")
QUARANTINE_HEADERS = ("文件", "工作表", "行号", "列", "值", "原因")
IGNORED_HEADERS = ("文件", "工作表", "行号", "原因")
ID_HEADERS = ("文件", *ID_PROBLEM_ZH.values())
UNKNOWN_HEADERS = ("文件", "字段", "原表头", "取值", "行数", "处理")
COLUMN_HEADERS = ("文件", "原表头", "识别为", "可信度", "单位换算")
UNKNOWN_HINT = (
    "词表中没有该取值：已按原文入库，规则按“未知”处理；如为常用说法，请加入 county/lexicon.yaml 的 vocab"
)
UNPARSED_HINT = "无法识别为日期或数值：已入库为空值；请按 2026-10-05 或纯数字填报"

DETAIL_SHEET = "问题行明细"
DETAIL_HEADERS = ("文件", "工作表", "行号", "列", "原值", "问题", "如何修改")
MAX_DETAIL_ROWS = 100_000
"""Problem lines listed at most (a province file may carry millions): a last line then says how many
more there are and that the full list is in the warehouse."""
ID_PROBLEM_DETAIL = {
    "missing": ("身份证号缺失", "请补填身份证号"),
    "legacy15": ("15位旧身份证号", "请更新为18位号码"),
    "bad_check": ("身份证号校验位错误", "请核对身份证号第18位（校验码）及前17位是否录错"),
    "damaged": (
        "身份证号被Excel损坏（以数值保存，末几位已丢失）",
        "请将该列设为文本格式后重新导出，勿以数字保存身份证号",
    ),
    "masked": ("身份证号已脱敏（含*号），无法比对", "请报送完整的18位身份证号，勿用*号遮挡"),
}
"""ID problem (pipelines.ingest.loader.ID_PROBLEMS) → (问题, 如何修改)."""
DATE_HOW = "请按 2026-10-05 的格式填写日期"
UNPARSED_DETAIL = {
    "date": ("日期", DATE_HOW),
    "amount": ("金额", "金额请填写纯数字（如 1200.50），不带单位或文字"),
    "int": ("数字", "请填写纯数字（整数），不带单位或文字"),
}
"""Field type → (what could not be read, 如何修改) for a date or number that loaded as null."""
RESEND_ROW = "更正后请重新报送该行"
_FACTS = {
    "batch_id": pl.String,
    "sheet": pl.String,
    "row_no": pl.Int64,
    "field": pl.String,
    "value": pl.String,
    "kind": pl.String,
    "code": pl.String,
    "n": pl.Int64,
}
"""One problem of the detail sheet before it is worded. kind: quarantine (code: the reason), id (code: the
ID problem), unknown (a category word the vocabulary lacks), unparsed (code: the field type). row_no is
null for problems the warehouse keeps only as a count (n rows): dates and numbers that did not parse, and
ID problems or unknown words of rows not stored again (unchanged in a resend, repeated within the file)."""


def _field_label(source: str, field: str) -> str:
    if source in all_sources():
        try:
            return get_source(source).field(field).label
        except KeyError:
            pass
    return field


def _unknown_rows(source: str, file: str, unknown: dict, columns: dict) -> list[list]:
    """One row per (field, value) the file carried that the vocabulary or the parsers did not know."""
    out = []
    types = {f.name: f.type for f in get_source(source).fields} if source in all_sources() else {}
    for field in sorted(unknown):
        header = str(columns.get(field, {}).get("header", ""))
        hint = UNPARSED_HINT if types.get(field) in ("date", "amount", "int") else UNKNOWN_HINT
        for value, n in unknown[field].items():
            out.append(
                [file, _field_label(source, field), header, mask_ids_in_text(str(value)), int(n), hint]
            )
    return out


@dataclass(frozen=True)
class _Batch:
    """What the detail sheet needs of one meta.batches row."""

    batch_id: str
    source: Source
    file: str
    id_problems: dict[str, int]
    unknown_values: dict[str, dict[str, int]]
    column_map: dict[str, dict]
    sheets: list[str]

    def column(self, field: str) -> str:
        """The department's own header for a field (as the loader recorded it), else the field's label."""
        if not field:
            return ""
        header = str(self.column_map.get(field, {}).get("header", "") or "")
        return header or _field_label(self.source.name, field)

    @property
    def only_sheet(self) -> str:
        return self.sheets[0] if len(self.sheets) == 1 else ""


def _facts(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    out = frame.lazy().select(pl.col(c).cast(t) for c, t in _FACTS.items())
    return out.collect()


def _source_facts(con: duckdb.DuckDBPyConnection, source: Source, batches: list[_Batch]) -> pl.DataFrame:
    """Every problem of one source's batches, one line per problem per data row (see _FACTS): quarantined
    rows from quarantine.rows; stored rows (raw.<source>) whose ID number has a problem (id_problem_expr,
    as the per-file counts are made) or whose category word the vocabulary lacks (code null, `<field>_raw`
    not); and, as counts without a row, what meta.batches counted but no stored row shows."""
    ids = [b.batch_id for b in batches]
    marks = ", ".join("?" for _ in ids)
    parts = [
        _facts(
            con.sql(
                "SELECT batch_id, coalesce(sheet, '') AS sheet, row_no, coalesce(column_name, '') AS field,"
                " coalesce(value, '') AS value, 'quarantine' AS kind, coalesce(reason_zh, '') AS code,"
                f" NULL::BIGINT AS n FROM quarantine.rows WHERE batch_id IN ({marks})",
                params=ids,
            ).pl()
        )
    ]
    enums = [f.name for f in source.fields if f.type == "enum"]
    has_id = "id_number" in source.field_names
    id_rows = pl.DataFrame(schema=_FACTS)
    unknown_rows = pl.DataFrame(schema=_FACTS)
    if (has_id or enums) and table_exists(con, f"raw.{source.name}"):
        cols = ["batch_id", "coalesce(sheet, '') AS sheet", "row_no"]
        cols += ["id_number", "id_damaged"] if has_id else []
        cols += [quote_ident(c) for f in enums for c in (f, raw_text_name(f))]
        raw = (
            con.sql(
                f"SELECT {', '.join(cols)} FROM raw.{quote_ident(source.name)} WHERE batch_id IN ({marks})",
                params=ids,
            )
            .pl()
            .lazy()
        )
        if has_id:
            problem = id_problem_expr(pl.col("id_number"), pl.col("id_damaged"))
            id_rows = _facts(
                raw.with_columns(problem.alias("code"))
                .filter(pl.col("code").is_not_null())
                .select(
                    "batch_id",
                    "sheet",
                    "row_no",
                    pl.lit("id_number").alias("field"),
                    pl.col("id_number").fill_null("").alias("value"),
                    pl.lit("id").alias("kind"),
                    "code",
                    pl.lit(None, dtype=pl.Int64).alias("n"),
                )
            )
        unknown_rows = pl.concat(
            [unknown_rows]
            + [
                _facts(
                    raw.filter(pl.col(f).is_null() & pl.col(raw_text_name(f)).is_not_null()).select(
                        "batch_id",
                        "sheet",
                        "row_no",
                        pl.lit(f).alias("field"),
                        pl.col(raw_text_name(f)).alias("value"),
                        pl.lit("unknown").alias("kind"),
                        pl.lit("").alias("code"),
                        pl.lit(None, dtype=pl.Int64).alias("n"),
                    )
                )
                for f in enums
            ]
        )
    parts += [id_rows, unknown_rows]
    listed_ids = {(b, c): n for b, c, n in id_rows.group_by("batch_id", "code").len().iter_rows()}
    listed_words = {
        (b, f, v): n for b, f, v, n in unknown_rows.group_by("batch_id", "field", "value").len().iter_rows()
    }
    types = {f.name: f.type for f in source.fields}
    counted: list[tuple] = []
    for b in batches:
        for code in ID_PROBLEMS:
            more = int(b.id_problems.get(code, 0)) - listed_ids.get((b.batch_id, code), 0)
            if more > 0 and has_id:
                counted.append((b.batch_id, b.only_sheet, None, "id_number", "", "id", code, more))
        for field, values in sorted(b.unknown_values.items()):
            kind = types.get(field, "enum")
            for value, n in sorted(values.items()):
                if kind in UNPARSED_DETAIL:
                    counted.append((b.batch_id, b.only_sheet, None, field, value, "unparsed", kind, int(n)))
                    continue
                more = int(n) - listed_words.get((b.batch_id, field, value), 0)
                if more > 0:
                    counted.append((b.batch_id, b.only_sheet, None, field, value, "unknown", "", more))
    parts.append(pl.DataFrame(counted, schema=_FACTS, orient="row"))
    facts = pl.concat(parts)
    position = {f.name: i for i, f in enumerate(source.fields)}
    return facts.with_columns(
        pl.col("batch_id")
        .replace_strict({b.batch_id: b.file for b in batches}, return_dtype=pl.String)
        .alias("file"),
        pl.col("field").replace_strict(position, default=-1, return_dtype=pl.Int32).alias("pos"),
    )


def _quarantine_how(reason: str) -> str:
    if "日期无法识别" in reason:
        return DATE_HOW
    if "至少填一项" in reason:
        return f"请补填{reason.split('至少填一项')[0]}中的至少一项"
    if "必填项为空" in reason:
        return f"请补填{reason.split('：')[0]}"
    if "单元格内容超过" in reason:
        return "请核对该单元格，删去误粘贴的多余内容"
    return "请按问题说明核对该行"


def _worded(
    batch: _Batch, field: str, kind: str, code: str, n: int | None, row_known: bool, lexicon: Lexicon
) -> tuple[str, str]:
    """(问题, 如何修改) of one problem line."""
    if kind == "quarantine":
        return f"{code}（该行未入库）", f"{_quarantine_how(code)}；{RESEND_ROW}"
    if kind == "unparsed":
        what, how = UNPARSED_DETAIL[code]
        return (
            f"无法识别为{what}，已入库为空值（共{n}行，行号未记录）",
            f"{how}；请在该列中查找此取值并逐一更正",
        )
    if kind == "id":
        problem, how = ID_PROBLEM_DETAIL.get(code, (f"身份证号：{code}", "请核对身份证号"))
    else:
        codes = [c for c in lexicon.vocab.get((batch.source.name, field), {}) if not c.startswith("_")]
        problem = "取值不在词表中，无法识别（已入库，按“未知”处理）"
        how = f"请使用规范取值（{'、'.join(codes)}）或联系县局补充词表" if codes else "请联系县局补充词表"
    if not row_known:
        problem += f"（另有{n}行未逐行列出：与此前已报送的或本文件中其他行内容相同，未重复入库，未记录行号）"
        how += "；请在该列中查找并一并更正"
    return problem, how


def _detail_rows(
    con: duckdb.DuckDBPyConnection, batches: list[_Batch], lexicon: Lexicon, limit: int | None = None
) -> list[list]:
    """The 问题行明细 lines of one department, sorted by file, sheet, row and column (byte-stable), at
    most `limit` (MAX_DETAIL_ROWS) of them and then a line saying how many more there are. Every ID
    number is masked."""
    limit = MAX_DETAIL_ROWS if limit is None else limit
    by_source: dict[str, list[_Batch]] = {}
    for b in batches:
        by_source.setdefault(b.source.name, []).append(b)
    frames = [_source_facts(con, get_source(name), group) for name, group in sorted(by_source.items())]
    if not frames:
        return []
    facts = pl.concat(frames).sort(
        [
            "file",
            "batch_id",
            pl.col("row_no").is_null(),
            "sheet",
            "row_no",
            "pos",
            "field",
            "kind",
            "code",
            "value",
            "n",
        ],
        nulls_last=True,
    )
    total = facts.height
    known = {b.batch_id: b for b in batches}
    rows: list[list] = []
    for batch_id, sheet, row_no, field, value, kind, code, n in facts.head(limit).select(*_FACTS).iter_rows():
        batch = known[batch_id]
        problem, how = _worded(batch, field, kind, code, n, row_no is not None, lexicon)
        sent = mask_id(value) if field == "id_number" else value
        rows.append(
            [
                batch.file,
                sheet,
                "" if row_no is None else int(row_no),
                mask_ids_in_text(batch.column(field)),
                mask_ids_in_text(sent or ""),
                problem,
                how,
            ]
        )
    if total > limit:
        tables = "、".join(f"raw.{name}" for name in sorted(by_source))
        rows.append(
            [
                f"另有{total - limit}个问题未列出（共{total}个，本表只列前{limit}个）；完整清单保存在县局数据仓库"
                f"（quarantine.rows、{tables}），请联系县局索取",
                *[""] * (len(DETAIL_HEADERS) - 1),
            ]
        )
    return rows


def _department(source: str) -> str:
    return get_source(source).department if source in all_sources() else UNKNOWN_DEPARTMENT


def _write_table(wb, ws, headers, rows, widths) -> None:
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = wb.add_format({"num_format": "@"})
    for j, h in enumerate(headers):
        ws.write_string(0, j, h, bold)
        ws.set_column(j, j, widths[j] if j < len(widths) else 12)
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, int | float) and not isinstance(v, bool):
                ws.write_number(i, j, v)
            else:
                # a leading '=' in a department's value must stay text: write_text writes a string (never a
                # formula), cut to Excel's cell limit
                write_text(ws, i, j, v, text)
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)


def write_quality_reports(
    con: duckdb.DuckDBPyConnection, out_dir: Path, period: str, *, lexicon: Lexicon | None = None
) -> list[Path]:
    """Write 数据质量反馈_{department}_{period}.xlsx for every department with files in the period
    (files whose source could not be told go to 数据质量反馈_未识别来源_{period}.xlsx). Returns the paths.

    `lexicon` (default: the built-in one) names the accepted category values in 问题行明细; pass the
    county's (load_lexicon(county_dir)) to list its own additions too."""
    out_dir = Path(out_dir)
    lexicon = lexicon or load_lexicon()
    batches = con.sql(
        "SELECT batch_id, source, file, status, coalesce(category, ''), coalesce(message, ''),"
        " coalesce(rows_read, 0), coalesce(rows_loaded, 0), coalesce(rows_unchanged, 0),"
        " coalesce(rows_changed, 0), coalesce(rows_quarantined, 0), coalesce(rows_ignored, 0),"
        " coalesce(sheets_ignored, '{}'), coalesce(id_problems, '{}'), coalesce(unknown_values, '{}'),"
        " coalesce(column_map, '{}'), coalesce(sheets, '[]')"
        " FROM meta.batches WHERE period = ? ORDER BY source, file, batch_id",
        params=[period],
    ).fetchall()
    by_department: dict[str, list[tuple]] = {}
    for b in batches:
        by_department.setdefault(_department(b[1] or ""), []).append(b)
    paths: list[Path] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for department in sorted(by_department):
        rows = by_department[department]
        ids = [b[0] for b in rows]
        marks = ", ".join("?" for _ in ids)
        quarantined = con.sql(
            "SELECT file, coalesce(sheet, ''), row_no, coalesce(column_name, ''), coalesce(value, ''), reason_zh"
            f" FROM quarantine.rows WHERE batch_id IN ({marks}) ORDER BY file, sheet, row_no, column_name",
            params=ids,
        ).fetchall()
        ignored = con.sql(
            "SELECT file, coalesce(sheet, ''), row_no, split_part(reason, ' | ', 1)"
            f" FROM meta.ignored WHERE batch_id IN ({marks}) ORDER BY file, sheet, row_no",
            params=ids,
        ).fetchall()
        path = output_file(out_dir, f"数据质量反馈_{safe_component(department)}_{period}.xlsx")
        wb = AtomicWorkbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": f"数据质量反馈 {department} {period}", "created": _FIXED_CREATED})
        detail = _detail_rows(
            con,
            [
                _Batch(
                    batch_id=b[0],
                    source=get_source(b[1]),
                    file=b[2],
                    id_problems=json.loads(b[13] or "{}"),
                    unknown_values=json.loads(b[14] or "{}"),
                    column_map=json.loads(b[15] or "{}"),
                    sheets=[str(x) for x in json.loads(b[16] or "[]")],
                )
                for b in rows
                if b[3] == "loaded" and b[1] in all_sources()
            ],
            lexicon,
        )
        file_rows = []
        id_rows = []
        sheet_notes = []
        unknown_rows: list[list] = []
        column_rows: list[list] = []
        for b in rows:
            (_, source, file, status, category, message, read, loaded, unchanged, changed, quar, ign) = b[:12]
            note = ""
            if status == "refused":
                note = f"{CATEGORY_ZH.get(category, category)}：{message}"
            elif status == "skipped":
                note = "与已入库文件内容相同"
            file_rows.append(
                [
                    _department(source) if source else "",  # in the department's words, not our code
                    file,
                    STATUS_ZH.get(status, status),
                    read,
                    loaded,
                    unchanged,
                    changed,
                    quar,
                    ign,
                    note,
                ]
            )
            problems = json.loads(b[13] or "{}")
            if problems:
                id_rows.append([file, *(int(problems.get(k, 0)) for k in ID_PROBLEM_ZH)])
            for sheet, why in json.loads(b[12] or "{}").items():
                sheet_notes.append([file, sheet, "", why.split(" | ")[0]])
            unknown_rows += _unknown_rows(source, file, json.loads(b[14] or "{}"), json.loads(b[15] or "{}"))
            for field, how in sorted(json.loads(b[15] or "{}").items()):
                column_rows.append(
                    [
                        file,
                        str(how.get("header", "")),
                        _field_label(source, field),
                        float(how.get("confidence", 0.0)),
                        "" if float(how.get("scale", 1.0)) == 1.0 else f"×{float(how.get('scale', 1.0)):g}",
                    ]
                )
        ws = wb.add_worksheet("文件汇总")
        _write_table(wb, ws, FILE_HEADERS, file_rows, (18, 40, 14, 8, 8, 8, 8, 8, 8, 60))
        ws = wb.add_worksheet(DETAIL_SHEET)
        _write_table(wb, ws, DETAIL_HEADERS, detail, (40, 12, 8, 16, 24, 40, 60))
        ws = wb.add_worksheet("隔离行")
        quarantine_rows = [[*r[:4], mask_ids_in_text(r[4]), r[5]] for r in quarantined]
        _write_table(wb, ws, QUARANTINE_HEADERS, quarantine_rows, (40, 12, 8, 16, 24, 40))
        ws = wb.add_worksheet("忽略行")
        _write_table(wb, ws, IGNORED_HEADERS, [list(r) for r in ignored] + sheet_notes, (40, 12, 8, 40))
        ws = wb.add_worksheet("身份证号问题")
        _write_table(wb, ws, ID_HEADERS, id_rows, (40, 10, 10, 12, 14, 10))
        ws = wb.add_worksheet("未识别取值")
        _write_table(wb, ws, UNKNOWN_HEADERS, unknown_rows, (40, 14, 20, 24, 8, 70))
        ws = wb.add_worksheet("表头识别")
        _write_table(wb, ws, COLUMN_HEADERS, column_rows, (40, 24, 20, 10, 10))
        ws = wb.add_worksheet("说明")
        notes = [
            ["读取 = 入库 + 未变 + 更新 + 隔离 + 忽略（表头以下的每一行都有去向）"],
            [
                "问题行明细：每个问题一行，按文件、工作表、行号（即文件中的行号）列出原表头、原值（身份证号已脱敏）、"
                "问题及如何修改；请逐行更正后重新报送。未记录行号的（日期或数值无法识别等）请在该列中查找所列取值"
            ],
            [
                "入库：新记录；未变：此前已报送且内容相同，不重复入库；更新：同一记录内容有变化，作为新版本入库"
            ],
            ["隔离：未通过校验的行，见“隔离行”工作表，请按原因核对后重新报送"],
            ["忽略：空行、合计行、表尾说明、文件内重复行及非数据工作表，见“忽略行”工作表"],
            ["身份证号问题：被Excel损坏指身份证号以数值格式保存导致末几位丢失，请将该列设为文本后重新导出"],
            ["未识别取值：类别取值不在词表中、或日期与数值无法识别的单元格；这些行已入库，不会丢失"],
            [
                "表头识别：每一列按含义识别为哪个字段及可信度（1.0 为标准表头）；表头带（万元）等单位时已换算为元"
            ],
        ]
        _write_table(wb, ws, ("说明",), notes, (110,))
        wb.close()
        paths.append(path)
    return paths
