import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import altair as alt
    import marimo as mo

    from pipelines.analyst import open_published
    from pipelines.settings import Settings

    con = open_published(Settings.load().warehouse)
    return alt, con, mo


@app.cell
def _(con, mo):
    per_department = con.sql(
        """SELECT department AS 部门, count(*) AS 行数,
                  count(*) FILTER (WHERE match_status = 'matched') AS 自动匹配,
                  count(*) FILTER (WHERE match_status = 'ambiguous') AS 待人工核对,
                  count(*) FILTER (WHERE match_status = 'unmatched') AS 未匹配,
                  round(100.0 * count(*) FILTER (WHERE match_status = 'matched') / count(*), 1) AS 匹配率
           FROM analyst.department_facts GROUP BY ALL ORDER BY 匹配率"""
    ).pl()
    mo.md("## 各部门数据匹配情况")
    per_department
    return (per_department,)


@app.cell
def _(alt, con):
    methods = con.sql(
        """SELECT department AS 部门,
                  CASE coalesce(match_method, 'none')
                      WHEN 'id_exact' THEN '身份证号一致' WHEN 'id_repair' THEN '身份证号纠错'
                      WHEN 'name_place' THEN '姓名+地址' WHEN 'review_decision' THEN '人工核对结论'
                      WHEN 'none' THEN '未匹配' ELSE match_method END AS 匹配方式,
                  count(*) AS 行数
           FROM analyst.department_facts GROUP BY ALL"""
    ).pl()
    method_chart = (
        alt.Chart(methods)
        .mark_bar()
        .encode(y=alt.Y("部门:N"), x=alt.X("行数:Q", stack="normalize", title="占比"), color="匹配方式:N")
        .properties(title="匹配方式构成", width=520, height=280)
    )
    method_chart
    return method_chart, methods


@app.cell
def _(alt, con):
    scores = con.sql(
        "SELECT match_score AS 匹配度 FROM analyst.department_facts WHERE match_status <> 'unmatched'"
    ).pl()
    score_chart = (
        alt.Chart(scores)
        .mark_bar()
        .encode(x=alt.X("匹配度:Q", bin=alt.Bin(step=0.05)), y=alt.Y("count():Q", title="行数"))
        .properties(title="匹配度分布", width=520, height=220)
    )
    score_chart
    return score_chart, scores


@app.cell
def _(con, mo):
    review = con.sql(
        """SELECT department AS 部门, name_as_sent AS 报送姓名, match_evidence AS 匹配依据, match_score AS 匹配度
           FROM analyst.department_facts WHERE match_status = 'ambiguous' ORDER BY 部门, 报送姓名"""
    ).pl()
    reasons = con.sql(
        """SELECT department AS 部门, match_evidence AS 未匹配原因, count(*) AS 行数
           FROM analyst.department_facts WHERE match_status = 'unmatched' GROUP BY ALL ORDER BY 行数 DESC"""
    ).pl()
    mo.md(f"## 待人工核对 {review.height} 行；未匹配原因如下")
    reasons
    return reasons, review


if __name__ == "__main__":
    app.run()
