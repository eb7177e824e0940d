import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from pipelines.analyst import open_published
    from pipelines.settings import Settings

    # The published copy: read-only, never blocks a running flow (data/README.md lists the views).
    con = open_published(Settings.load().warehouse)
    mo.md(
        "## 分析起步 / starter — views: "
        + ", ".join(
            r[0]
            for r in con.sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'analyst' ORDER BY 1"
            ).fetchall()
        )
    )
    return con, mo


@app.cell
def _(con):
    con.sql("SELECT segment, count(*) AS households FROM analyst.households GROUP BY ALL ORDER BY ALL").pl()


@app.cell
def _(con):
    # Which villages have the most warned households this period? Edit and rerun.
    con.sql(
        """SELECT township, village, count(DISTINCT household_id) AS households
           FROM analyst.warnings WHERE period = (SELECT max(period) FROM analyst.warnings)
           GROUP BY ALL ORDER BY households DESC LIMIT 10"""
    ).pl()


if __name__ == "__main__":
    app.run()
