"""The county summary workbook: counts only, no personal data, for the county bureau.

Sheets: 汇总 (township × cause with totals, households warned, stacked column chart), 按等级
(township × severity), 数据接收 (what each department feed delivered), 匹配情况 (how its rows
matched the registry), 核实进度 (households verified / pending / overdue by township), 逾期未核实
(the overdue households: township, village, household id, visit id — no names, no ID numbers),
核实结果 (outcomes by township), 规则准确率 (per rule, the share of verified warnings confirmed as a
real risk: which rules waste township time). Totals are computed here and written as numbers, never
as formulas. Suppressed warnings (verified 无风险 recently, not sent) are counted apart.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import polars as pl
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from pipelines.county import CountyProfile
from pipelines.export.cells import (
    display_width,
    estimate_lines,
    natural_key,
    new_workbook,
    write_number,
    write_text,
)
from pipelines.export.visits import require_columns, visit_id
from pipelines.export.vocab import (
    ACCOUNTING_COLUMNS,
    CONFIRMED_PREFIX,
    MATCH_COLUMNS,
    OUTCOME_VALUES,
    SEVERITY_LABEL,
    SEVERITY_RANK,
)

SUMMARY_SHEET = "汇总"
SEVERITY_SHEET = "按等级"
ACCOUNTING_SHEET = "数据接收"
MATCH_SHEET = "匹配情况"
PROGRESS_SHEET = "核实进度"
OVERDUE_SHEET = "逾期未核实"
OUTCOME_SHEET = "核实结果"
PRECISION_SHEET = "规则准确率"
DELIVERY_SHEET = "部门报送"
DELIVERY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("department", "部门"),
    ("status_zh", "本期报送情况"),
    ("files", "文件数"),
    ("rows_loaded", "入库行数"),
    ("detail", "说明"),
)
EARLIER_SHEET = "往期未核实预警"
EARLIER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "预警期次"),
    ("township", "乡镇"),
    ("village", "行政村"),
    ("household_id", "户编号"),
    ("cause_label", "预警原因"),
    ("title", "预警规则"),
    ("this_period", "本期情况"),
)
RETURNS_SHEET = "回收文件未导入"
RETURNS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "文件"),
    ("status_zh", "处理结果"),
    ("reason", "原因"),
    ("at", "发现时间"),
)

PROGRESS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("township", "乡镇"),
    ("visits", "应核实户数"),
    ("verified", "已核实户数"),
    ("pending", "待核实户数"),
    ("done_rate", "核实完成率"),
    ("overdue", "逾期未核实户数"),
    ("suppressed", "暂缓下发预警条数"),
)
OVERDUE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("township", "乡镇"),
    ("village", "行政村"),
    ("household_id", "户编号"),
    ("visit_id", "预警编号"),
    ("severity", "最高预警等级"),
    ("due_date", "截止日期"),
    ("days_overdue", "逾期天数"),
)
PRECISION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rule_id", "规则编号"),
    ("title", "规则名称"),
    ("warnings", "本期预警条数"),
    ("verified", "本期已核实"),
    ("confirmed", "本期风险属实"),
    ("precision_rate", "本期准确率"),
    ("all_verified", "累计已核实"),
    ("all_confirmed", "累计风险属实"),
    ("all_precision_rate", "累计准确率"),
)
VERIFICATION_COLUMNS = ("warning_id", "period", "rule_id", "outcome")

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
    verifications: pl.DataFrame | None = None,
    due_date: date | None = None,
    today: date | None = None,
    returns_not_imported: pl.DataFrame | None = None,
    deliveries: pl.DataFrame | None = None,
    earlier_open: pl.DataFrame | None = None,
    profile: CountyProfile | None = None,
) -> Path:
    """Write the county summary for a period and return its path.

    `deliveries`: one row per department (pipelines.deliveries.delivery_table), shown first on the
    数据接收 sheet's neighbour 部门报送 — received, with problems, refused, an old file re-sent, not received.

    `returns_not_imported`: files in the returns folder that were not imported (file, status_zh, reason,
    at), listed on their own sheet so none is passed over without a word.

    `earlier_open`: warnings of earlier periods sent and never answered (pipelines.warnings.open_before),
    listed with 本期再次触发 / 本期未再触发: a rule that stops firing does not close a warning, an answer does.

    Only counts leave this function, plus the overdue list (township, village, household id, visit
    id): names and ID numbers in `warnings` are never read. `verifications` is the latest answer per
    warning (pipelines.feedback.latest_verifications: warning_id, period, rule_id, outcome; all
    periods up to this one, for cumulative rule precision); None means nothing was returned yet.
    `due_date` is the townships' deadline and `today` the day overdue is judged on (default: the real
    today). Byte-stable for the same input (created date fixed to the period start).
    """
    require_columns(warnings, "warnings", ("township", "household_id", "cause_label", "severity"))
    suppressed = (
        warnings.filter(pl.col("status") == "suppressed")
        if "status" in warnings.columns
        else warnings.clear()
    )
    if "status" in warnings.columns:  # not sent to townships: counted apart on the progress sheet
        warnings = warnings.filter(pl.col("status").ne_missing("suppressed"))
    if verifications is None:
        verifications = pl.DataFrame(schema=dict.fromkeys(VERIFICATION_COLUMNS, pl.String))
    require_columns(verifications, "verifications", VERIFICATION_COLUMNS)
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
    profile = profile or CountyProfile()
    workbook = new_workbook(
        path,
        period,
        f"{profile.county}防返贫动态监测部门数据比对预警汇总（{period}）",
        company=profile.issuer,
    )
    try:
        f = _Formats(workbook)
        _write_by_cause(workbook, workbook.add_worksheet(SUMMARY_SHEET), f, period, counts, townships)
        _write_by_severity(workbook.add_worksheet(SEVERITY_SHEET), f, period, counts, townships)
        if deliveries is not None and deliveries.height:
            require_columns(deliveries, "deliveries", [c for c, _ in DELIVERY_COLUMNS])
            _write_table(
                workbook.add_worksheet(DELIVERY_SHEET), f, deliveries, DELIVERY_COLUMNS,
                f"各部门本期报送情况（{period}）", period=period,
            )  # fmt: skip
        _write_table(
            workbook.add_worksheet(ACCOUNTING_SHEET), f, accounting, ACCOUNTING_COLUMNS,
            f"数据接收情况（{period}）", period=period,
        )  # fmt: skip
        _write_table(
            workbook.add_worksheet(MATCH_SHEET), f, match_stats, MATCH_COLUMNS, f"比对匹配情况（{period}）",
            period=period,
        )  # fmt: skip
        _write_verification(
            workbook, f, period, warnings, suppressed, verifications, due_date, today or date.today()
        )
        if earlier_open is not None and earlier_open.height:
            require_columns(earlier_open, "earlier_open", [c for c, _ in EARLIER_COLUMNS])
            _write_table(
                workbook.add_worksheet(EARLIER_SHEET), f, earlier_open, EARLIER_COLUMNS,
                f"往期已下发、尚未核实反馈的预警（截至{period}；规则本期未再触发不等于风险消除，仍需入户核实反馈）",
                period=period,
            )  # fmt: skip
        if returns_not_imported is not None and returns_not_imported.height:
            require_columns(returns_not_imported, "returns_not_imported", [c for c, _ in RETURNS_COLUMNS])
            _write_table(
                workbook.add_worksheet(RETURNS_SHEET), f, returns_not_imported, RETURNS_COLUMNS,
                "回收文件未导入情况（请按原因处理后重新报送）", period=period,
            )  # fmt: skip
    except BaseException:
        workbook.discard()  # never a half-written workbook under its name for someone to send out
        raise
    workbook.close()
    return path


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": _FONT, "font_size": 10}
        self.title = wb.add_format(
            {**base, "bold": True, "font_size": 14, "text_wrap": True, "valign": "top"}
        )
        self.header = wb.add_format(
            {**base, "bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center", "valign": "vcenter",
             "text_wrap": True}
        )  # fmt: skip
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


def _title(ws: Worksheet, f: _Formats, period: str, title: str, widths: list[float], header_row: int) -> None:
    """Title across the table (wrapped, never cut at the page edge) and print setup: A4 landscape, fit to
    the width, title and header repeated on every page, page numbers."""
    if len(widths) > 1:
        ws.merge_range(0, 0, 0, len(widths) - 1, "", f.title)
    write_text(ws, 0, 0, title, f.title)
    ws.set_row(0, 20 * estimate_lines(title, max(sum(widths), 40) * 10 / 14) + 4)  # 14 pt title, 10 pt widths
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer(f"&L防返贫动态监测预警汇总（{period}）&R第 &P 页，共 &N 页")


def _header_height(labels: list[str], widths: list[float]) -> float:
    return 14.5 * max(estimate_lines(label, w) for label, w in zip(labels, widths, strict=True)) + 4


def _write_grid(
    ws: Worksheet,
    f: _Formats,
    top: int,
    townships: list[str],
    columns: list[tuple[str, list[int]]],
    *,
    period: str,
    title: str,
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
    widths: list[float] = [max([10, *(display_width(t) + 2 for t in townships)])]
    # long labels (风险属实-已是监测户-落实帮扶) wrap in a taller header instead of widening the page
    widths += [min(max(9, display_width(label) + 2), 16) for label, _ in columns]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_row(top, _header_height(["乡镇", *(label for label, _ in columns)], widths))
    ws.freeze_panes(top + 1, 1)
    _title(ws, f, period, title, widths, top)
    return total_row


def _write_by_cause(
    wb: xlsxwriter.Workbook,
    ws: Worksheet,
    f: _Formats,
    period: str,
    counts: pl.DataFrame,
    townships: list[str],
) -> None:
    title = f"防返贫动态监测部门数据比对预警汇总（{period}）：按乡镇、预警原因统计预警条数"
    if counts.is_empty():
        write_text(ws, 2, 0, "本期无预警", f.text)
        _title(ws, f, period, title, [60], 0)
        return
    causes = sorted(set(counts.get_column("cause_label").to_list()), key=natural_key)
    by_cause = _crosstab(counts, townships, "cause_label", causes)
    households = counts.group_by("township").agg(pl.col("household_id").n_unique().alias("n"))
    hh = dict(households.iter_rows())
    columns = [(c, by_cause[c]) for c in causes]
    columns.append(("预警条数合计", [sum(by_cause[c][i] for c in causes) for i in range(len(townships))]))
    columns.append(("预警户数", [int(hh.get(t, 0)) for t in townships]))
    top = 2
    _write_grid(ws, f, top, townships, columns, period=period, title=title)

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
    chart.set_x_axis({"name": "乡镇", "name_font": {"name": _FONT}, "num_font": {"name": _FONT}})
    highest = max(sum(by_cause[c][i] for c in causes) for i in range(len(townships)))
    chart.set_y_axis(
        {
            "name": "预警条数",
            "name_font": {"name": _FONT},
            "num_format": "#,##0",
            "min": 0,
            "major_gridlines": {"visible": True},
            # small counts: whole-number ticks (never 0.5 warnings); larger ones: Excel picks the unit
            **({"major_unit": 1} if highest <= 10 else {}),
        }
    )
    chart.set_legend({"position": "right", "font": {"name": _FONT}})
    chart.set_size({"width": 720, "height": 400})
    ws.insert_chart(top + len(townships) + 3, 0, chart)


def _write_by_severity(
    ws: Worksheet, f: _Formats, period: str, counts: pl.DataFrame, townships: list[str]
) -> None:
    severities = sorted(SEVERITY_RANK, key=lambda s: -SEVERITY_RANK[s])
    extra = sorted(set(counts.get_column("severity").to_list()) - set(severities))
    by_sev = _crosstab(counts, townships, "severity", severities + extra)
    columns = [(SEVERITY_LABEL.get(s, s or _UNKNOWN), by_sev[s]) for s in severities + extra]
    columns.append((_TOTAL, [sum(v[i] for _, v in columns) for i in range(len(townships))]))
    _write_grid(
        ws, f, 2, townships, columns, period=period, title=f"预警条数按乡镇、预警等级统计（{period}）"
    )


def _write_table(
    ws: Worksheet,
    f: _Formats,
    frame: pl.DataFrame,
    columns: tuple[tuple[str, str], ...],
    title: str,
    rates: dict[str, tuple[str, str]] | None = None,
    *,
    period: str,
    count_unit: str | None = None,
) -> None:
    """A plain table with Chinese headers; numeric columns get a 合计 row (rates recomputed).

    `rates` maps a *_rate column to (numerator, denominator) columns: a rate whose denominator is 0 (a
    feed that sent no rows) is left blank rather than shown as 0.0 %, and the total is recomputed.
    `count_unit` (e.g. "户"): the 合计 row counts the rows ("共 3 户") instead of summing the columns,
    for lists where a sum means nothing (days overdue).
    """
    rates = rates if rates is not None else {"match_rate": ("matched", "rows")}
    header_row = 2
    numeric = [c for c, _ in columns if frame.schema[c].is_numeric()]
    widths: list[float] = []
    for col, (name, label) in enumerate(columns):
        write_text(ws, header_row, col, label, f.header)
        width = max(
            [display_width(label) + 2, *(display_width(str(v)) + 2 for v in frame.get_column(name).to_list())]
        )
        widths.append(min(max(width, 8), 60))
        ws.set_column(col, col, widths[-1])
    ws.set_row(header_row, _header_height([label for _, label in columns], widths))
    for i, row in enumerate(
        frame.select([c for c, _ in columns]).iter_rows(named=True), start=header_row + 1
    ):
        for col, (name, _) in enumerate(columns):
            value = row[name]
            if name in rates and name in numeric and not row.get(rates[name][1]):
                ws.write_blank(i, col, None, f.pct)  # no rows, no rate
            elif name in numeric:
                write_number(ws, i, col, value, f.pct if name.endswith("_rate") else f.int)
            else:
                write_text(ws, i, col, value, f.text)
    total_row = header_row + frame.height + 1
    if frame.height and count_unit:
        write_text(ws, total_row, 0, _TOTAL, f.total_text)
        write_text(ws, total_row, 1, f"共 {frame.height:,} {count_unit}", f.total_text)
        for col in range(2, len(columns)):
            ws.write_blank(total_row, col, None, f.total_text)
    elif frame.height:
        write_text(ws, total_row, 0, _TOTAL, f.total_text)
        # Series.sum() is typed int | float | Decimal: the columns summed here are counts, never Decimal
        sums = {c: cast("int | float", frame.get_column(c).sum()) for c in numeric if not c.endswith("_rate")}
        for col, (name, _) in enumerate(columns):
            if name in sums:
                write_number(ws, total_row, col, sums[name], f.total_int)
            elif name in rates and sums.get(rates[name][1]) and rates[name][0] in sums:
                write_number(ws, total_row, col, sums[rates[name][0]] / sums[rates[name][1]], f.total_pct)
            elif col:
                ws.write_blank(total_row, col, None, f.total_text)
    ws.freeze_panes(header_row + 1, 0)
    ws.autofilter(header_row, 0, header_row + frame.height, len(columns) - 1)  # totals row stays out
    _title(ws, f, period, title, widths, header_row)


def _write_verification(
    wb: xlsxwriter.Workbook,
    f: _Formats,
    period: str,
    warnings: pl.DataFrame,
    suppressed: pl.DataFrame,
    verifications: pl.DataFrame,
    due_date: date | None,
    today: date,
) -> None:
    """核实进度, 逾期未核实, 核实结果, 规则准确率: how the closed loop is doing."""
    latest = verifications.select(
        pl.col("warning_id").cast(pl.String),
        pl.col("period").cast(pl.String),
        pl.col("rule_id").cast(pl.String),
        pl.col("outcome").cast(pl.String),
    ).unique(subset="warning_id", keep="last", maintain_order=True)
    has_id = "warning_id" in warnings.columns
    rows = warnings.select(
        pl.col("township").fill_null(_UNKNOWN),
        pl.col("village").fill_null("") if "village" in warnings.columns else pl.lit(""),
        pl.col("household_id").cast(pl.String),
        pl.col("warning_id").cast(pl.String) if has_id else pl.lit(None, pl.String).alias("warning_id"),
        pl.col("rule_id").cast(pl.String)
        if "rule_id" in warnings.columns
        else pl.lit("", pl.String).alias("rule_id"),
        pl.col("title").cast(pl.String)
        if "title" in warnings.columns
        else pl.lit("", pl.String).alias("title"),
        pl.col("severity").fill_null(""),
    ).join(latest.select("warning_id", "outcome"), on="warning_id", how="left")
    # one visit per household: verified when its row was answered (all its warnings share the answer)
    visits = (
        rows.group_by("township", "village", "household_id")
        .agg(
            pl.col("outcome").drop_nulls().first().alias("outcome"),
            pl.col("severity").sort_by(pl.col("severity").replace_strict(SEVERITY_RANK, default=0)).last(),
        )
        .sort("township", "village", "household_id")
    )
    overdue_now = due_date is not None and today > due_date
    townships = sorted(
        set(visits.get_column("township").to_list())
        | set(suppressed.get_column("township").drop_nulls().to_list()),
        key=natural_key,
    )
    n_suppressed = (
        dict(suppressed.group_by("township").agg(pl.len()).iter_rows()) if suppressed.height else {}
    )
    progress = []
    for t in townships:
        mine = visits.filter(pl.col("township") == t)
        verified = mine.filter(pl.col("outcome").is_not_null()).height
        pending = mine.height - verified
        progress.append(
            {"township": t, "visits": mine.height, "verified": verified, "pending": pending,
             "done_rate": verified / mine.height if mine.height else None,
             "overdue": pending if overdue_now else 0, "suppressed": int(n_suppressed.get(t, 0))}
        )  # fmt: skip
    progress_frame = pl.DataFrame(
        progress,
        schema={"township": pl.String, "visits": pl.Int64, "verified": pl.Int64, "pending": pl.Int64,
                "done_rate": pl.Float64, "overdue": pl.Int64, "suppressed": pl.Int64},
    )  # fmt: skip
    title = f"核实进度（{period}；截止日期 {due_date.isoformat() if due_date else '未设定'}，统计日 {today.isoformat()}）"
    _write_table(
        wb.add_worksheet(PROGRESS_SHEET), f, progress_frame, PROGRESS_COLUMNS, title,
        rates={"done_rate": ("verified", "visits")}, period=period,
    )  # fmt: skip

    overdue = visits.filter(pl.col("outcome").is_null()) if overdue_now else visits.clear()
    overdue_frame = overdue.select(
        "township",
        "village",
        "household_id",
        pl.col("household_id").map_elements(lambda h: visit_id(period, h), return_dtype=pl.String).alias("visit_id"),
        pl.col("severity").replace_strict(SEVERITY_LABEL, default=pl.col("severity")),
        pl.lit(due_date.isoformat() if due_date else "").alias("due_date"),
        pl.lit((today - due_date).days if overdue_now and due_date else 0, pl.Int64).alias("days_overdue"),
    ).sort(pl.col("township").map_elements(lambda t: str(natural_key(t)), return_dtype=pl.String), "village",
           "household_id")  # fmt: skip
    ws = wb.add_worksheet(OVERDUE_SHEET)
    note = (
        f"逾期未核实户（截止 {due_date.isoformat()}，统计日 {today.isoformat()}）：仅列乡镇、村、户编号，不含个人信息"
        if due_date
        else "未设定截止日期，无法统计逾期"
    )
    _write_table(ws, f, overdue_frame, OVERDUE_COLUMNS, note, rates={}, period=period, count_unit="户")

    outcome_labels = [
        *OUTCOME_VALUES,
        *sorted(set(visits.get_column("outcome").drop_nulls()) - set(OUTCOME_VALUES)),
    ]
    by_outcome = _crosstab(
        visits.with_columns(pl.col("outcome").fill_null("待核实")),
        townships,
        "outcome",
        [*outcome_labels, "待核实"],
    )
    ws = wb.add_worksheet(OUTCOME_SHEET)
    columns = [(o, by_outcome[o]) for o in [*outcome_labels, "待核实"]]
    columns.append((_TOTAL, [sum(v[i] for _, v in columns) for i in range(len(townships))]))
    _write_grid(ws, f, 2, townships, columns, period=period, title=f"核实结果按乡镇统计（户数，{period}）")

    _write_table(
        wb.add_worksheet(PRECISION_SHEET), f, _precision(rows, latest, period), PRECISION_COLUMNS,
        "规则准确率：已核实预警中核实为“风险属实”的比例（准确率低的规则占用乡镇核实力量，需复核阈值）",
        rates={"precision_rate": ("confirmed", "verified"), "all_precision_rate": ("all_confirmed", "all_verified")},
        period=period,
    )  # fmt: skip


def _precision(rows: pl.DataFrame, latest: pl.DataFrame, period: str) -> pl.DataFrame:
    confirmed = pl.col("outcome").str.starts_with(CONFIRMED_PREFIX)
    now = rows.group_by("rule_id").agg(
        pl.col("title").min(),  # deterministic whatever the row order
        pl.len().alias("warnings"),
        pl.col("outcome").is_not_null().sum().cast(pl.Int64).alias("verified"),
        confirmed.fill_null(False).sum().cast(pl.Int64).alias("confirmed"),
    )
    cumulative = (
        latest.filter(pl.col("period") <= period)
        .group_by("rule_id")
        .agg(
            pl.len().cast(pl.Int64).alias("all_verified"),
            confirmed.sum().cast(pl.Int64).alias("all_confirmed"),
        )
    )
    frame = now.join(cumulative, on="rule_id", how="full", coalesce=True).with_columns(
        pl.col("title").fill_null(""),
        *(
            pl.col(c).fill_null(0)
            for c in ("warnings", "verified", "confirmed", "all_verified", "all_confirmed")
        ),
    )
    frame = frame.with_columns(
        pl.when(pl.col("verified") > 0)
        .then(pl.col("confirmed") / pl.col("verified"))
        .alias("precision_rate"),
        pl.when(pl.col("all_verified") > 0)
        .then(pl.col("all_confirmed") / pl.col("all_verified"))
        .alias("all_precision_rate"),
    )
    return frame.select([c for c, _ in PRECISION_COLUMNS]).sort("rule_id")
