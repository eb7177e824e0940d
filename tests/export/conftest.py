"""Fixtures for the export tests; the frames are built in export_cases.py."""

from __future__ import annotations

import polars as pl
import pytest
from export_cases import RULES, make_warnings


@pytest.fixture
def warnings() -> pl.DataFrame:
    """Three households in 小河镇; H001 tripped two rules with two members."""
    return make_warnings(
        {"warning_id": "W3", "household_id": "H010", "village": "大田村", "group": "2组", "head_name": "王五",
         "person_names": "王五", "person_id_numbers": "34172219800202567X", "rule_id": "DIS-001",
         "cause": "disability", "cause_label": "因残", "title": "新增重度残疾", "department": "残疾人联合会",
         "evidence": "新办二级肢体残疾证", "status": "repeated"},
        {"warning_id": "W1", "household_id": "H001", "person_names": "张三、李四",
         "person_id_numbers": "341722199001011234、341722199203034321"},
        {"warning_id": "W2", "household_id": "H001", "person_names": "张小三",
         "person_id_numbers": "341722201001011111", "rule_id": "SCH-001", "cause": "schooling",
         "cause_label": "因学", "title": "义务教育阶段疑似辍学", "severity": "yellow", "department": "教育局",
         "evidence": "学籍状态：休学", "match_evidence": "姓名+出生日期一致", "match_score": 0.93},
        {"warning_id": "W4", "household_id": "H002", "group": "10组", "head_name": "赵六",
         "household_type": "一般农户", "monitoring_type": "突发严重困难户", "segment": "ordinary",
         "person_names": "赵六", "person_id_numbers": "341722197505051230", "severity": "yellow"},
    )  # fmt: skip


@pytest.fixture
def rules() -> pl.DataFrame:
    return RULES
