"""What a run reports: the accounting of files, warnings by township and cause, overdue verifications,
and what to say about months screened out of order. Read-only: nothing here changes the warehouse."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines import warehouse
from pipelines.deadlines import due_dates
from pipelines.settings import Settings
from pipelines.warnings import counts_by_township_cause, open_warnings
from pipelines.workdays import load_calendar


def accounting_frame(accounts: list[dict]) -> pl.DataFrame:
    """One row per file of the run for the county summary: its rows, and what happened to it in words
    (a file not loaded says why: a format we cannot read, a link out of the data folder …)."""
    from pipelines.export.vocab import FILE_STATUS_ZH
    from schemas import all_sources, get_source

    known = set(all_sources())
    rows = [
        {
            "source": a["source"],
            "department": get_source(a["source"]).department if a["source"] in known else "",
            "file": a["file"],
            **{k: a[k] for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_ignored")},
            "status_zh": FILE_STATUS_ZH.get(a.get("status", ""), a.get("status", "")),
            "note": a.get("message", "") if a.get("status") != "loaded" else "",
        }
        for a in accounts
    ]
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def with_departments(accounting: pl.DataFrame) -> pl.DataFrame:
    """Department names for the accounting sheet; a refused file of no known source keeps its label."""
    from schemas import all_sources, get_source

    if accounting.height == 0:
        return accounting
    departments = {s: get_source(s).department for s in all_sources()}
    return accounting.with_columns(
        pl.col("source")
        .replace_strict(
            departments, default=pl.col("source").fill_null("（未知来源）"), return_dtype=pl.String
        )
        .alias("department")
    )


def run_summary_tables(settings: Settings, period: str, today: date | None = None) -> dict[str, list[dict]]:
    """The tables a run reports (Prefect artifacts): warnings by township × cause and overdue
    verifications by township (warnings of any period whose due date has passed, not yet answered)."""

    today = today or date.today()
    with warehouse.connect(settings.warehouse) as con:
        by_cause = counts_by_township_cause(con, period, sent_only=True).select(
            "township", "cause_label", "warnings"
        )
        sent = open_warnings(con)  # an answered warning is confirmed or closed, no longer open
        periods = sent.get_column("period").unique().to_list()
        due = due_dates(con, settings, periods, load_calendar(settings.county_dir))
    overdue = (
        sent.filter(pl.col("period").replace_strict(due, return_dtype=pl.Date) < today)
        .group_by("township")
        .agg(pl.len().alias("overdue_warnings"), pl.col("period").min().alias("oldest_period"))
        .sort("township")
    )
    pivot = (
        by_cause.pivot(
            on="cause_label", index="township", values="warnings", aggregate_function="sum"
        ).fill_null(0)
        if by_cause.height
        else by_cause
    )
    return {"warnings_by_township_cause": pivot.to_dicts(), "overdue_by_township": overdue.to_dicts()}


def warnings_by_township(settings: Settings, period: str) -> pl.DataFrame:
    """Township × cause counts of the period's warnings (households counted once per cause)."""
    with warehouse.connect(settings.warehouse, read_only=True) as con:
        return counts_by_township_cause(con, period)


def later_periods_notice(period: str, later: list[str]) -> str | None:
    """What to tell the officer when months after `period` were screened before it: their warnings'
    lifecycle was relabelled against this month, but their screening did not see this month's data."""
    if not later:
        return None
    shown = "、".join(later)
    runs = "; ".join(f"dixian run --period {p}" for p in later)
    return (
        f"{shown} 已先于本期筛查：其预警的连续/新增状态已按本期重新标注，但筛查时尚无本期数据；"
        f"如需纳入本期数据，请重新运行 {runs}（截止日期不变） | {shown} were screened before {period}: "
        f"their warnings' lifecycle is relabelled, but their screening did not see {period}'s data; "
        f"re-run {runs} to include it (their deadlines stay)"
    )
