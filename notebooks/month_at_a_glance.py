import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import altair as alt
    import marimo as mo
    import polars as pl

    from pipelines.analyst import open_published
    from pipelines.settings import Settings

    con = open_published(Settings.load().warehouse)
    return alt, con, mo, pl


@app.cell
def _(con, mo):
    periods = [
        r[0] for r in con.sql("SELECT DISTINCT period FROM analyst.warnings ORDER BY period").fetchall()
    ]
    period = mo.ui.dropdown(options=periods, value=periods[-1] if periods else None, label="期别 period")
    period
    return period, periods


@app.cell
def _(con, mo, period):
    by_cause = con.sql(
        """SELECT township AS 乡镇, cause_label AS 预警原因, count(*) AS 预警数, count(DISTINCT household_id) AS 户数
           FROM analyst.warnings WHERE period = ? GROUP BY ALL ORDER BY 乡镇, 预警原因""",
        params=[period.value],
    ).pl()
    mo.md(
        f"## {period.value} 预警概览：{by_cause['预警数'].sum()} 条预警，涉及 {by_cause['户数'].sum()} 户次"
    )
    return (by_cause,)


@app.cell
def _(alt, by_cause):
    # Vega-Lite renders text in the browser, so Chinese labels need no font set-up in Python.
    stacked = (
        alt.Chart(by_cause)
        .mark_bar()
        .encode(
            x=alt.X("乡镇:N", sort="-y", title="乡镇", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(预警数):Q", title="预警数"),
            color=alt.Color("预警原因:N", title="预警原因"),
            tooltip=["乡镇", "预警原因", "预警数", "户数"],
        )
        .properties(title="各乡镇预警数（按原因）", width=560, height=320)
    )
    stacked
    return (stacked,)


@app.cell
def _(alt, by_cause):
    grid = (
        alt.Chart(by_cause)
        .mark_rect()
        .encode(
            x=alt.X("预警原因:N", title="预警原因"),
            y=alt.Y("乡镇:N", title="乡镇"),
            color=alt.Color("预警数:Q", scale=alt.Scale(scheme="oranges"), title="预警数"),
            tooltip=["乡镇", "预警原因", "预警数"],
        )
        .properties(title="乡镇 × 原因 热力格", width=480, height=260)
    )
    grid
    return (grid,)


@app.cell
def _(alt, con):
    trend = con.sql(
        """SELECT period AS 期别, cause_label AS 预警原因, count(*) AS 预警数
           FROM analyst.warnings GROUP BY ALL ORDER BY 期别"""
    ).pl()
    trend_chart = (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(x=alt.X("期别:N", title="期别"), y=alt.Y("预警数:Q"), color=alt.Color("预警原因:N"))
        .properties(title="各期预警趋势", width=560, height=260)
    )
    trend_chart
    return trend, trend_chart


@app.cell
def _(by_cause, pl):
    table = by_cause.pivot(on="预警原因", index="乡镇", values="预警数", aggregate_function="sum").fill_null(
        0
    )
    table = table.with_columns(pl.sum_horizontal(pl.exclude("乡镇")).alias("合计")).sort(
        "合计", descending=True
    )
    table
    return (table,)


if __name__ == "__main__":
    app.run()
