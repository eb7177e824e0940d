"""The county summary workbook: counts only, no personal data, for the county bureau.

Sheets: 汇总 (township × cause with totals, households warned, stacked column chart), 按等级
(township × severity), 数据接收 (what each department feed delivered), 匹配情况 (how its rows
matched the registry). Totals are computed here and written as numbers, never as formulas.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.export.cells import display_width, natural_key, new_workbook, write_number, write_text
from pipelines.export.visits import require_columns
from pipelines.export.vocab import ACCOUNTING_COLUMNS, MATCH_COLUMNS, SEVERITY_LABEL, SEVERITY_RANK

SUMMARY_SHEET = "汇总"
SEVERITY_SHEET = "按等级"
ACCOUNTING_SHEET = "数据接收"
MATCH_SHEET = "匹配情况"

_FONT = "宋体"
_TOTAL = "合计"
_UNKNOWN = "（未填）"


def write_county_summary(
    path: str | Path,
    period: str,
    warnings: pl.DataFrame,
    *,
    accounting: pl.DataFrame,
    match_stats: pl.DataFrame,
) -> Path:
    """Write the county summary for a period and return its path.

    Only counts leave this function: names and ID numbers in `warnings` are never read. Byte-stable
    for the same input (created date fixed to the period start).
    """
    require_columns(warnings, "warnings", ("township", "household_id", "cause_label", "severity"))
    require_columns(accounting, "accounting", [c for c, _ in ACCOUNTING_COLUMNS])
    require_columns(match_stats, "match_stats", [c for c, _ in MATCH_COLUMNS])
    counts = warnings.select(
        pl.col("township").fill_null(_UNKNOWN),
        pl.col("household_id"),
        pl.col("cause_label").fill_null(_UNKNOWN),
        pl.col("severity").fill_null(""),
    )
    townships = sorted(set(counts.get_column("township").to_list()), key=natural_key)

    path = Path(path)
    workbook = new_workbook(path, period, f"防返贫动态监测部门数据比对预警汇总（{period}）")
    try:
        f = _Formats(workbook)
        _write_by_cause(workbook, workbook.add_worksheet(SUMMARY_SHEET), f, period, counts, townships)
        _write_by_severity(workbook.add_worksheet(SEVERITY_SHEET), f, period, counts, townships)
        _write_table(
            workbook.add_worksheet(ACCOUNTING_SHEET), f, accounting, ACCOUNTING_COLUMNS, "数据接收情况"
        )
        _write_table(workbook.add_worksheet(MATCH_SHEET), f, match_stats, MATCH_COLUMNS, "比对匹配情况")
    except BaseException:
        workbook.close()
        path.unlink(missing_ok=True)  # never leave a half-written workbook for someone to send out
        raise
    workbook.close()
    return path


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": _FONT, "font_size": 10}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.header = wb.add_format(
            {**base, "bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center", "text_wrap": True}
        )
        self.text = wb.add_format({**base, "border": 1, "quote_prefix": True})
        self.int = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.pct = wb.add_format({**base, "border": 1, "num_format": "0.0%"})
        self.total_text = wb.add_format({**base, "border": 1, "bold": True, "bg_color": "#F2F2F2"})
        self.total_int = wb.add_format(
            {**base, "border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0"}
        )
        self.total_pct = wb.add_format(
            {**base, "border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.0%"}
        )


def _crosstab(counts: pl.DataFrame, townships: list[str], key: str, keys: list[str]) -> dict[str, list[int]]:
    """Warnings per township for each key value, in township order (zeros filled)."""
    grouped = counts.group_by("township", key).agg(pl.len().alias("n"))
    lookup = {(t, k): int(n) for t, k, n in grouped.iter_rows()}
    return {k: [lookup.get((t, k), 0) for t in townships] for k in keys}


def _write_grid(
    ws: Worksheet,
    f: _Formats,
    top: int,
    townships: list[str],
    columns: list[tuple[str, list[int]]],
) -> int:
    """Township rows × count columns plus a 合计 row; returns the row of the totals."""
    write_text(ws, top, 0, "乡镇", f.header)
    for col, (label, _) in enumerate(columns, start=1):
        write_text(ws, top, col, label, f.header)
    for i, township in enumerate(townships, start=1):
        write_text(ws, top + i, 0, township, f.text)
        for col, (_, values) in enumerate(columns, start=1):
            write_number(ws, top + i, col, values[i - 1], f.int)
    total_row = top + len(townships) + 1
    write_text(ws, total_row, 0, _TOTAL, f.total_text)
    for col, (_, values) in enumerate(columns, start=1):
        write_number(ws, total_row, col, sum(values), f.total_int)
    ws.set_column(0, 0, max([10, *(display_width(t) + 2 for t in townships)]))
    for col, (label, _) in enumerate(columns, start=1):
        ws.set_column(col, col, max(9, display_width(label) + 2))
    ws.freeze_panes(top + 1, 1)
    return total_row


def _write_by_cause(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    f: _Formats,
    period: str,
    counts: pl.DataFrame,
    townships: list[str],
) -> None:
    write_text(
        ws, 0, 0, f"防返贫动态监测部门数据比对预警汇总（{period}）：按乡镇、预警原因统计预警条数", f.title
    )
    if counts.is_empty():
        write_text(ws, 2, 0, "本期无预警", f.text)
        return
    causes = sorted(set(counts.get_column("cause_label").to_list()), key=natural_key)
    by_cause = _crosstab(counts, townships, "cause_label", causes)
    households = counts.group_by("township").agg(pl.col("household_id").n_unique().alias("n"))
    hh = dict(households.iter_rows())
    columns = [(c, by_cause[c]) for c in causes]
    columns.append(("预警条数合计", [sum(by_cause[c][i] for c in causes) for i in range(len(townships))]))
    columns.append(("预警户数", [int(hh.get(t, 0)) for t in townships]))
    top = 2
    _write_grid(ws, f, top, townships, columns)

    # native stacked column chart, series read from the table above (cell references, not formulas)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    first, last = top + 1, top + len(townships)
    for col in range(1, len(causes) + 1):
        chart.add_series(
            {
                "name": [ws.name, top, col],
                "categories": [ws.name, first, 0, last, 0],
                "values": [ws.name, first, col, last, col],
                "gap": 80,
            }
        )
    chart.set_title(
        {"name": f"各乡镇预警条数（按预警原因，{period}）", "name_font": {"name": _FONT, "size": 12}}
    )
    chart.set_x_axis({"name": "乡镇", "num_font": {"name": _FONT}})
    chart.set_y_axis({"name": "预警条数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "right", "font": {"name": _FONT}})
    chart.set_size({"width": 720, "height": 400})
    ws.insert_chart(top + len(townships) + 3, 0, chart)


def _write_by_severity(
    ws: Worksheet, f: _Formats, period: str, counts: pl.DataFrame, townships: list[str]
) -> None:
    write_text(ws, 0, 0, f"预警条数按乡镇、预警等级统计（{period}）", f.title)
    severities = sorted(SEVERITY_RANK, key=lambda s: -SEVERITY_RANK[s])
    extra = sorted(set(counts.get_column("severity").to_list()) - set(severities))
    by_sev = _crosstab(counts, townships, "severity", severities + extra)
    columns = [(SEVERITY_LABEL.get(s, s or _UNKNOWN), by_sev[s]) for s in severities + extra]
    columns.append((_TOTAL, [sum(v[i] for _, v in columns) for i in range(len(townships))]))
    _write_grid(ws, f, 2, townships, columns)


def _write_table(
    ws: Worksheet, f: _Formats, frame: pl.DataFrame, columns: tuple[tuple[str, str], ...], title: str
) -> None:
    """A plain table with Chinese headers; numeric columns get a 合计 row (rates recomputed)."""
    write_text(ws, 0, 0, title, f.title)
    header_row = 2
    numeric = [c for c, _ in columns if frame.schema[c].is_numeric()]
    for col, (name, label) in enumerate(columns):
        write_text(ws, header_row, col, label, f.header)
        width = max(
            [display_width(label) + 2, *(display_width(str(v)) + 2 for v in frame.get_column(name).to_list())]
        )
        ws.set_column(col, col, min(max(width, 8), 60))
    for i, row in enumerate(
        frame.select([c for c, _ in columns]).iter_rows(named=True), start=header_row + 1
    ):
        for col, (name, _) in enumerate(columns):
            value = row[name]
            if name in numeric:
                write_number(ws, i, col, value, f.pct if name.endswith("_rate") else f.int)
            else:
                write_text(ws, i, col, value, f.text)
    total_row = header_row + frame.height + 1
    if frame.height:
        write_text(ws, total_row, 0, _TOTAL, f.total_text)
        sums = {c: frame.get_column(c).sum() for c in numeric if not c.endswith("_rate")}
        for col, (name, _) in enumerate(columns):
            if name in sums:
                write_number(ws, total_row, col, sums[name], f.total_int)
            elif name == "match_rate" and sums.get("rows") and "matched" in sums:
                write_number(ws, total_row, col, sums["matched"] / sums["rows"], f.total_pct)
            elif col:
                ws.write_blank(total_row, col, None, f.total_text)
    ws.freeze_panes(header_row + 1, 0)
    ws.autofilter(header_row, 0, header_row + frame.height, len(columns) - 1)  # totals row stays out
