"""Data-quality feedback per department (数据质量反馈): what the county sends back to whoever made the file.

One workbook per department and period, in Chinese: per file the accounting (读取/入库/未变/更新/隔离/
忽略), every quarantined row with the column, the value and the reason, every ignored row with its
reason, skipped sheets, and the ID-number problems (缺失/15位/校验位错误/被Excel损坏/脱敏). Values are
written as strings or numbers (never formulas or links) and the document's created date is fixed, so
the same warehouse gives the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.outputs import AtomicWorkbook, output_file, safe_component
from schemas import all_sources, get_source

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
            out.append([file, _field_label(source, field), header, value, int(n), hint])
    return out


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
                # a leading '=' in a department's value must stay text: write_string never makes a formula
                ws.write_string(i, j, "" if v is None else str(v), text)
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), len(headers) - 1)


def write_quality_reports(con: duckdb.DuckDBPyConnection, out_dir: Path, period: str) -> list[Path]:
    """Write 数据质量反馈_{department}_{period}.xlsx for every department with files in the period
    (files whose source could not be told go to 数据质量反馈_未识别来源_{period}.xlsx). Returns the paths."""
    out_dir = Path(out_dir)
    batches = con.sql(
        "SELECT batch_id, source, file, status, coalesce(category, ''), coalesce(message, ''),"
        " coalesce(rows_read, 0), coalesce(rows_loaded, 0), coalesce(rows_unchanged, 0),"
        " coalesce(rows_changed, 0), coalesce(rows_quarantined, 0), coalesce(rows_ignored, 0),"
        " coalesce(sheets_ignored, '{}'), coalesce(id_problems, '{}'), coalesce(unknown_values, '{}'),"
        " coalesce(column_map, '{}')"
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
                    source or "",
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
        ws = wb.add_worksheet("隔离行")
        _write_table(wb, ws, QUARANTINE_HEADERS, [list(r) for r in quarantined], (40, 12, 8, 16, 24, 40))
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
