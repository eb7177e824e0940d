"""Small warning/rule frames for the export tests, built in code so each test states its case."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

PERIOD = "2026-05"
DUE = date(2026, 6, 10)

_DEFAULTS: dict[str, Any] = {
    "period": PERIOD,
    "township": "小河镇",
    "village": "小河村",
    "group": "1组",
    "head_name": "张三",
    "household_type": "脱贫户",
    "monitoring_type": None,
    "segment": "poverty_exit",
    "person_names": "张三",
    "person_id_numbers": "341722199001011234",
    "rule_id": "ILL-001",
    "cause": "illness",
    "cause_label": "因病",
    "title": "年内住院个人自付费用偏高",
    "severity": "red",
    "evidence": "年内住院自付 6,000 元，超过 5,000 元",
    "department": "医疗保障局",
    "match_evidence": "身份证号一致",
    "match_score": 1.0,
    "status": "new",
}

_SCHEMA = {name: pl.String for name in ("warning_id", "household_id", *_DEFAULTS)} | {
    "match_score": pl.Float64
}


def make_warnings(*rows: dict[str, Any]) -> pl.DataFrame:
    """One row per dict; unspecified columns take the defaults above. warning_id/household_id required."""
    records = [{**_DEFAULTS, **row} for row in rows]
    return pl.DataFrame(records, schema=_SCHEMA)


RULES = pl.DataFrame(
    {
        "rule_id": ["ILL-001", "SCH-001", "DIS-001", "UNUSED-1"],
        "cause_label": ["因病", "因学", "因残", "因灾"],
        "title": ["年内住院个人自付费用偏高", "义务教育阶段疑似辍学", "新增重度残疾", "未触发"],
        "description": ["住院自付累计超过阈值", "学籍状态异常", "新办一、二级残疾证", "不应出现"],
        "severity": ["red", "yellow", "red", "green"],
        "department": ["医疗保障局", "教育局", "残疾人联合会", "应急管理局"],
        "thresholds": ["脱贫户 5000 元；一般农户 20000 元", "6–15 周岁", "一、二级", "-"],
    }
)
