"""Must-visit notice: the monitored households of a township with no grid visit recorded in the month.

Grid workers must visit every monitored household monthly (domain.md, "The loop"). The monthly township
workbook repeats the weekly grid report's list (pipelines.grid.report, sheet 本月未走访监测户) so the
township sees it next to its warnings. When no visit ledger reached the county for the township this
month, there is nothing to compare with: None, and the workbook says so instead of listing everyone.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.contracts.township_workbook import UNVISITED_SHEET
from pipelines.export.vocab import UNVISITED_COLUMNS
from pipelines.period import Period

__all__ = ["UNVISITED_SHEET", "monthly_unvisited"]
LEDGER_TABLE = ("link", "facts_grid_ledger")

# the grid report's Chinese columns → the export contract (vocab.UNVISITED_COLUMNS)
_FROM_GRID = {
    "行政村": "village",
    "村民小组": "group",
    "户编号": "household_id",
    "户主姓名": "head_name",
    "监测对象类别": "monitoring_type",
    "网格": "grid",
    "网格员": "grid_worker",
}


def monthly_unvisited(con: duckdb.DuckDBPyConnection, township: str, period: str) -> pl.DataFrame | None:
    """Monitored households (core.households segment 'monitored') of `township` with no matched visit
    (link.facts_grid_ledger) dated in `period`; columns vocab.UNVISITED_COLUMNS.

    None when no ledger is there to judge by: the facts table does not exist, or not one visit of the
    township's households is dated in the month (its ledger was not received, or none of it matched
    the registry). ``township`` comes from core.households, so the workbook's own check is meaningful.
    """
    from pipelines.grid.report import grid_report_frames  # the one definition of "unvisited"

    schema, table = LEDGER_TABLE
    [(exists,)] = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        params=[schema, table],
    ).fetchall()
    if not exists:
        return None
    p = Period.parse(period)
    frames = grid_report_frames(con, township, str(p), report_date=p.end)
    if not int(frames["走访统计"].get_column("本月走访次数").sum() or 0):
        return None
    unvisited = frames[UNVISITED_SHEET]
    missing = [c for c in _FROM_GRID if c not in unvisited.columns]
    if missing:
        raise KeyError(f"grid report sheet {UNVISITED_SHEET!r}: missing column(s) {missing}")
    unvisited = unvisited.select(pl.col(c).cast(pl.String).alias(e) for c, e in _FROM_GRID.items())
    registry = con.sql("SELECT household_id, township FROM core.households WHERE segment = 'monitored'").pl()
    return unvisited.join(registry, on="household_id", how="left").select(UNVISITED_COLUMNS)
