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
    from pipelines.rulebook.whatif import sweep
    from pipelines.settings import Settings

    settings = Settings.load()
    con = open_published(settings.warehouse)
    params = load_parameters(settings.rules_dir / "parameters.yaml")
    rulebook = load_rulebook(settings.rules_dir, params)

    return alt, con, for_chart, mo, params, pl, rulebook, sweep


@app.cell
def _(con, mo, rulebook):
    tunable = [r.id for r in rulebook.rules if r.params]
    periods = [
        r[0] for r in con.sql("SELECT DISTINCT period FROM analyst.warnings ORDER BY period").fetchall()
    ]
    rule_pick = mo.ui.dropdown(
        options=tunable, value="ILL-001" if "ILL-001" in tunable else tunable[0], label="规则"
    )
    period_pick = mo.ui.dropdown(options=periods, value=periods[-1], label="期别")
    mo.hstack([rule_pick, period_pick])
    return period_pick, rule_pick


@app.cell
def _(mo, params, period_pick, rule_pick, rulebook):
    rule = rulebook.get(rule_pick.value)
    threshold_params = [p for p in rule.params if not p.startswith("common.")] or list(rule.params)
    param_name = threshold_params[0]
    current = params.value(param_name, period_pick.value)
    segment_pick = mo.ui.dropdown(
        options=["all", "poverty_exit", "monitored", "ordinary"],
        value="poverty_exit" if isinstance(current, dict) else "all",
        label="户类型",
    )
    mo.vstack([mo.md(f"**{rule.id} {rule.title}** — 参数 `{param_name}` 当前值：{current}"), segment_pick])
    return current, param_name, rule, segment_pick


@app.cell
def _(con, current, param_name, period_pick, pl, rule, segment_pick, sweep, rulebook, params):
    # Sweep around the value in force for the chosen segment (all segments: the highest).
    if isinstance(current, dict):
        base = current.get(segment_pick.value) or max(current.values())
    else:
        base = float(current)
    values = [round(base * f, 2) for f in (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)]
    verified = con.sql(
        """SELECT w.household_id, v.outcome FROM analyst.verifications v
           JOIN analyst.warnings w ON w.warning_id = v.warning_id WHERE w.rule_id = ?""",
        params=[rule.id],
    ).pl()
    segment = None if segment_pick.value == "all" else segment_pick.value
    result = sweep(
        con,
        rulebook,
        params,
        period_pick.value,
        rule.id,
        param_name,
        values,
        segment=segment,
        verifications=verified,
    )
    result = result.rename(
        {
            "value": "阈值",
            "households": "预警户数",
            "verified": "已核实",
            "confirmed": "属实",
            "precision": "属实率",
        }
    )
    result.with_columns(pl.col("属实率").round(3))
    return result, values, verified


@app.cell
def _(alt, for_chart, result):
    chart = (
        alt.Chart(for_chart(result, "阈值变化对预警户数的影响"))
        .mark_line(point=True)
        .encode(
            x=alt.X("阈值:Q"),
            y=alt.Y("预警户数:Q", title="预警户数（户）"),
            tooltip=["阈值", "预警户数", "已核实", "属实率"],
        )
        .properties(title="阈值变化对预警户数的影响", width=520, height=260)
    )
    chart
    return (chart,)


if __name__ == "__main__":
    app.run()
