"""A tiny warehouse (two townships, four households) and helpers that fill workbooks the way staff do."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl

from pipelines.export import write_township_workbook
from pipelines.warnings import build_warnings

P1, P2, P3 = "2026-10", "2026-11", "2026-12"
TODAY = date(2026, 11, 20)
RULES = pl.DataFrame(
    {
        "rule_id": ["ILL-001", "SCH-001"],
        "cause_label": ["因病", "因学"],
        "title": ["年内医疗个人自付费用偏高", "义务教育阶段疑似辍学"],
        "description": ["自付累计超过阈值", "学籍状态异常"],
        "severity": ["red", "yellow"],
        "department": ["医疗保障局", "教育局"],
        "thresholds": ["5000", "6–15 周岁"],
    }
)
CAUSES = {"ILL-001": ("illness", "因病"), "SCH-001": ("schooling", "因学")}


def seed_core(con) -> None:
    con.execute("""
        CREATE OR REPLACE TABLE core.households AS SELECT * FROM (VALUES
            ('H1', '小河镇', '桃源村', '1组', '脱贫户', NULL, 'poverty_exit', '张三'),
            ('H2', '小河镇', '桃源村', '2组', '一般农户', '边缘易致贫户', 'monitored', '李四'),
            ('H3', '小河镇', '大田村', '1组', '脱贫户', NULL, 'poverty_exit', '王五'),
            ('H4', '横渡镇', '横渡村', '1组', '脱贫户', NULL, 'poverty_exit', '赵六'))
            t(household_id, township, village, "group", household_type, monitoring_type, segment, head_name)""")
    con.execute("""
        CREATE OR REPLACE TABLE core.persons AS SELECT * FROM (VALUES
            ('P1', 'H1', '张三', '341722199001011235'), ('P2', 'H2', '李四', '341722199202021234'),
            ('P3', 'H3', '王五', '341722198003031230'), ('P4', 'H4', '赵六', '341722197004041236'))
            t(person_id, household_id, name, id_number)""")


def hits(*rows: tuple[str, str, float]) -> pl.DataFrame:
    """(household_id, rule_id, out_of_pocket_total) per hit."""
    records = []
    for household, rule, total in rows:
        cause, label = CAUSES[rule]
        records.append(
            {"rule_id": rule, "cause": cause, "cause_label": label, "title": rule, "severity": "red",
             "source": "medical_insurance", "department": "医疗保障局", "household_id": household,
             "person_ids": ["P" + household[1:]], "row_keys": [], "measures": json.dumps(
                 {"out_of_pocket_total": total, "param_illness_out_of_pocket_ytd": 5000}),
             "message": f"自付 {total:,.0f} 元"}
        )  # fmt: skip
    return pl.DataFrame(
        records, schema_overrides={"person_ids": pl.List(pl.String), "row_keys": pl.List(pl.String)}
    )


DEFAULT_HITS = (("H1", "ILL-001", 6000), ("H1", "SCH-001", 1), ("H2", "ILL-001", 7000), ("H3", "ILL-001", 8000),
                ("H4", "ILL-001", 9000))  # fmt: skip


def build(con, period: str, rows=DEFAULT_HITS) -> pl.DataFrame:
    return build_warnings(con, hits(*rows), period)


def export(con, tmp: Path, period: str, township: str = "小河镇") -> Path:
    warnings = con.sql(
        "SELECT * FROM warn.warnings WHERE period = ? AND township = ? ORDER BY warning_id",
        params=[period, township],
    ).pl()
    path = tmp / f"{township}_预警核实表_{period}.xlsx"
    return write_township_workbook(path, township, period, warnings, RULES, due_date=date(2026, 12, 31))


def header_cols(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def fill(path: Path, answers: dict[str, tuple], out: Path | None = None, *, edit=None) -> Path:
    """answers: household_id → (outcome, note, verifier, date or text, reviewer); edit(ws) runs after filling."""
    wb = openpyxl.load_workbook(path)
    ws = wb["预警核实表"]
    cols = header_cols(ws)
    for r in range(2, ws.max_row + 1):
        household = ws.cell(r, cols["户编号"]).value
        if household in answers:
            for header, value in zip(("核实结果", "核实情况说明", "核实人", "核实日期", "乡镇审核人"),
                                     answers[household], strict=True):  # fmt: skip
                if isinstance(value, date) and not isinstance(value, datetime):
                    value = datetime(value.year, value.month, value.day)
                ws.cell(r, cols[header]).value = value
    if edit:
        edit(wb, ws)
    out = out or path.with_name(path.stem + "_已填.xlsx")
    wb.save(out)
    return out


def ok(outcome: str = "无风险", when: date = date(2026, 11, 10)) -> tuple:
    return (outcome, "入户核实", "刘干部", when, "陈审核")
