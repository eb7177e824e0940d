import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import altair as alt
    import marimo as mo
    import polars as pl

    # charts get rows aggregated in DuckDB; for_chart fails, naming the chart, if one would get too many
    from pipelines.analyst import for_chart, open_published
    from pipelines.rulebook import load_parameters, load_rulebook
    from pipelines.rulebook.models import CAUSE_LABELS
    from pipelines.settings import Settings

    settings = Settings.load()
    con = open_published(settings.warehouse)

    # One colour per cause, the same in every chart and every month: the domain is the rulebook's causes
    # (rules/*.yaml) in the national order, then any older label still in the warehouse.
    _rulebook = load_rulebook(settings.rules_dir, load_parameters(settings.rules_dir / "parameters.yaml"))
    _order = list(CAUSE_LABELS)
    causes = [
        label
        for _, label in sorted(
            {(r.cause, r.cause_label) for r in _rulebook.rules}, key=lambda c: _order.index(c[0])
        )
    ]
    causes += sorted(
        {r[0] for r in con.sql("SELECT DISTINCT cause_label FROM analyst.warnings").fetchall()} - {*causes}
    )
    # 20 colours (tableau's category20, the ten strong hues first): 12 causes today, room for more
    PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
               "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
               "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"]  # fmt: skip
    if len(causes) > len(PALETTE):
        raise ValueError(f"{len(causes)} causes but {len(PALETTE)} colours: add colours to PALETTE")
    cause_colour = alt.Scale(domain=causes, range=PALETTE[: len(causes)])

    return alt, cause_colour, causes, con, for_chart, mo, pl


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
    # Counted as `dixian run` counts them: warnings (条), and households once each (户), however many
    # causes a household has; adding up 户数 over causes would count 户次, not households.
    ((warnings_total, households_total),) = con.sql(
        "SELECT count(*), count(DISTINCT household_id) FROM analyst.warnings WHERE period = ?",
        params=[period.value],
    ).fetchall()
    mo.md(
        f"## {period.value} 预警概览：{warnings_total} 条预警，涉及 {households_total} 户\n\n"
        "一户可因多个原因预警：户数不重复计 | each household is counted once, however many causes it has"
    )
    return by_cause, households_total, warnings_total


@app.cell
def _(alt, by_cause, cause_colour, for_chart):
    # Vega-Lite renders text in the browser, so Chinese labels need no font set-up in Python.
    stacked = (
        alt.Chart(for_chart(by_cause, "各乡镇预警数"))
        .mark_bar()
        .encode(
            x=alt.X("乡镇:N", sort="-y", title="乡镇", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(预警数):Q", title="预警数（条）"),
            color=alt.Color("预警原因:N", title="预警原因", scale=cause_colour),
            tooltip=["乡镇", "预警原因", "预警数", "户数"],
        )
        .properties(title="各乡镇预警数（按原因）", width=560, height=320)
    )
    stacked
    return (stacked,)


@app.cell
def _(alt, by_cause, causes, for_chart):
    grid = (
        alt.Chart(for_chart(by_cause, "乡镇 × 原因"))
        .mark_rect()
        .encode(
            x=alt.X("预警原因:N", title="预警原因", sort=causes),
            y=alt.Y("乡镇:N", title="乡镇"),
            color=alt.Color("预警数:Q", scale=alt.Scale(scheme="oranges"), title="预警数（条）"),
            tooltip=["乡镇", "预警原因", "预警数"],
        )
        .properties(title="乡镇 × 原因 热力格", width=480, height=260)
    )
    grid
    return (grid,)


@app.cell
def _(alt, cause_colour, con, for_chart):
    trend = con.sql(
        """SELECT period AS 期别, cause_label AS 预警原因, count(*) AS 预警数
           FROM analyst.warnings GROUP BY ALL ORDER BY 期别, 预警原因"""
    ).pl()
    trend_chart = (
        alt.Chart(for_chart(trend, "各期预警趋势"))
        .mark_line(point=True)
        .encode(
            x=alt.X("期别:N", title="期别"),
            y=alt.Y("预警数:Q", title="预警数（条）"),
            color=alt.Color("预警原因:N", title="预警原因", scale=cause_colour),
        )
        .properties(title="各期预警趋势", width=560, height=260)
    )
    trend_chart
    return trend, trend_chart


@app.cell
def _(by_cause, causes, pl):
    table = by_cause.pivot(on="预警原因", index="乡镇", values="预警数", aggregate_function="sum").fill_null(
        0
    )
    # causes in the charts' order; 合计 counts warnings (条), as the cells do
    table = table.select("乡镇", *[c for c in causes if c in table.columns])
    table = table.with_columns(pl.sum_horizontal(pl.exclude("乡镇")).alias("合计")).sort(
        "合计", descending=True
    )
    table
    return (table,)


if __name__ == "__main__":
    app.run()
