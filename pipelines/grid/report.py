"""The weekly grid report (网格周报) each township receives on Wednesdays.

Grid leaders report the week's visits and problems; the county checks must-visit coverage: every
monitored household visited this month. Built from the grid ledgers matched to the registry
(link.facts_grid_ledger) and core.households; only the township's own households.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines.export.cells import WORKBOOK_OPTIONS, write_text
from pipelines.outputs import AtomicWorkbook
from pipelines.period import Period

SHEETS = ("走访统计", "发现问题", "本月未走访监测户", "风险户未纳入监测")


def grid_report_frames(
    con: duckdb.DuckDBPyConnection, township: str, period: str, report_date: date
) -> dict[str, pl.DataFrame]:
    """The four tables of the report for one township (visits up to and including report_date)."""
    p = Period.parse(period)
    month_end = min(report_date, p.end)
    week_start = report_date - timedelta(days=6)
    params = [township, p.start, month_end]
    visits = con.sql(
        """SELECT f.event_date AS visit_date, f.grid, f.grid_worker, f.household_id, f.risk_found, f.finding,
                  h.village, h.head_name, h.segment
           FROM link.facts_grid_ledger f JOIN core.households h ON h.household_id = f.household_id
           WHERE h.township = ? AND f.event_date BETWEEN ? AND ?""",
        params=params,
    ).pl()
    stats = (
        visits.group_by("grid", "grid_worker")
        .agg(
            (pl.col("visit_date") >= week_start).sum().alias("本周走访次数"),
            pl.col("household_id")
            .filter(pl.col("visit_date") >= week_start)
            .n_unique()
            .alias("本周走访户数"),
            pl.len().alias("本月走访次数"),
            pl.col("household_id").n_unique().alias("本月走访户数"),
            (pl.col("risk_found") == "是").sum().alias("本月发现风险"),
        )
        .sort("grid", "grid_worker")
        .rename({"grid": "网格", "grid_worker": "网格员"})
    )
    problems = (
        visits.filter(pl.col("risk_found") == "是")
        .sort("visit_date", "village", "household_id")
        .select(
            pl.col("visit_date").cast(pl.String).alias("走访日期"),
            pl.col("village").alias("行政村"),
            pl.col("grid").alias("网格"),
            pl.col("grid_worker").alias("网格员"),
            pl.col("household_id").alias("户编号"),
            pl.col("head_name").alias("户主姓名"),
            pl.col("finding").alias("发现问题"),
        )
    )
    visited = visits.get_column("household_id").unique().implode()
    unvisited = (
        con.sql(
            """SELECT village, "group", grid, grid_worker, household_id, head_name, monitoring_type
               FROM core.households WHERE township = ? AND segment = 'monitored'
               ORDER BY village, "group", household_id""",
            params=[township],
        )
        .pl()
        .filter(~pl.col("household_id").is_in(visited))
        .rename(
            {
                "village": "行政村",
                "group": "村民小组",
                "grid": "网格",
                "grid_worker": "网格员",
                "household_id": "户编号",
                "head_name": "户主姓名",
                "monitoring_type": "监测对象类别",
            }
        )
    )
    not_monitored = (
        visits.filter((pl.col("risk_found") == "是") & (pl.col("segment") != "monitored"))
        .group_by("household_id", "village", "head_name", "segment")
        .agg(pl.col("finding").unique().sort().str.join("；"), pl.col("visit_date").max().cast(pl.String))
        .sort("village", "household_id")
        .select(
            pl.col("village").alias("行政村"),
            pl.col("household_id").alias("户编号"),
            pl.col("head_name").alias("户主姓名"),
            pl.col("segment").replace({"poverty_exit": "脱贫户", "ordinary": "一般农户"}).alias("户类型"),
            pl.col("finding").alias("网格员发现问题"),
            pl.col("visit_date").alias("最近走访日期"),
        )
    )
    return dict(zip(SHEETS, (stats, problems, unvisited, not_monitored), strict=True))


def write_grid_report(
    path: Path, township: str, period: str, report_date: date, frames: dict[str, pl.DataFrame]
) -> Path:
    """A Chinese workbook: a cover, then one sheet per table; formula-safe, stable bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = AtomicWorkbook(path, WORKBOOK_OPTIONS)  # complete under its name, or not there at all
    wb.set_properties(
        {"created": datetime(report_date.year, report_date.month, report_date.day), "title": "网格周报"}
    )
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    cover = wb.add_worksheet("说明")
    cover.set_column(0, 0, 90)
    lines = [
        (f"{township}网格化走访周报（截至{report_date:%Y年%m月%d日}）", title),
        (f"本周：{report_date - timedelta(days=6):%m月%d日}至{report_date:%m月%d日}；本月：{period}", None),
        (
            f"本周走访 {int(frames['走访统计']['本周走访次数'].sum())} 次；本月走访 {int(frames['走访统计']['本月走访次数'].sum())} 次",
            None,
        ),
        (
            f"本月尚未走访的监测户：{frames['本月未走访监测户'].height} 户（监测户每月必访，请于月底前补访）",
            None,
        ),
        (
            f"网格员发现风险但尚未纳入监测的户：{frames['风险户未纳入监测'].height} 户（请核实是否需要纳入监测）",
            None,
        ),
        ("本表含个人信息，仅限工作使用。", None),
    ]
    for r, (text, fmt) in enumerate(lines):
        cover.write_string(r, 0, text, fmt) if fmt else cover.write_string(r, 0, text)
    for name, frame in frames.items():
        ws = wb.add_worksheet(name)
        for c, column in enumerate(frame.columns):
            ws.write_string(0, c, column, head)
            ws.set_column(c, c, max(10, min(40, 2 + 2 * len(column))))
        for r, row in enumerate(frame.iter_rows(), start=1):
            for c, value in enumerate(row):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value, cell)
                else:
                    write_text(ws, r, c, value, cell)  # literal text, cut to Excel's cell limit
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)
        if frame.height == 0:
            ws.write_string(1, 0, "（无）")
    wb.close()
    return path
