"""The closed vocabularies the workbooks show: severities, statuses, verification outcomes, headers."""

from __future__ import annotations

from pipelines.warnings.vocab import CONFIRMED_PREFIX, OUTCOME_VALUES, OUTCOMES, Severity

__all__ = ["CONFIRMED_PREFIX", "OUTCOMES", "OUTCOME_VALUES", "Severity"]

#: Higher rank = more urgent; a household shows its most urgent hit.
SEVERITY_RANK: dict[str, int] = {"red": 3, "yellow": 2, "green": 1}
SEVERITY_LABEL: dict[str, str] = {"red": "红色", "yellow": "黄色", "green": "绿色"}
SEVERITY_COLOR: dict[str, str] = {"red": "#FF0000", "yellow": "#FFFF00", "green": "#00B050"}
SEVERITY_FONT: dict[str, str] = {"red": "#FFFFFF", "yellow": "#000000", "green": "#FFFFFF"}

#: Status notes appended to a rule line so the township sees a warning is not new.
STATUS_NOTE: dict[str, str] = {
    "new": "",
    "repeated": "（连续预警）",
    "escalated": "（风险升级）",
    "confirmed": "（已核实属实）",
    "closed": "（已核实）",
}

#: Shown under 户类型 for households already monitored: verify and add measures, do not admit again.
MONITORED_NOTE = "【已是监测户】"
MONITORED_EXPLAINED = "标【已是监测户】的户已是监测对象：核实后补充落实帮扶措施，无需重复纳入。"


#: The township sheet's columns: pipelines.contracts.township_workbook.COLUMNS (one row per column).

RULE_HEADERS: tuple[str, ...] = (
    "规则编号",
    "预警原因",
    "规则名称",
    "说明",
    "预警等级",
    "数据来源部门",
    "阈值",
)

ACCOUNTING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("department", "部门"),
    ("file", "文件"),
    ("rows_read", "读取行数"),
    ("rows_loaded", "入库行数"),
    ("rows_quarantined", "隔离行数"),
    ("rows_ignored", "忽略行数"),
    ("status_zh", "处理结果"),
    ("note", "说明"),
)
FILE_STATUS_ZH = {"loaded": "已入库", "skipped": "已跳过", "refused": "未入库"}
"""meta.batches / FileAccount status, as the county summary says it."""
MATCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("department", "部门"),
    ("rows", "记录数"),
    ("matched", "匹配成功"),
    ("ambiguous", "多重匹配"),
    ("unmatched", "未匹配"),
    ("match_rate", "匹配率"),
)

#: Input contract of the warnings frame.
WARNING_COLUMNS: tuple[str, ...] = (
    "warning_id",
    "period",
    "township",
    "village",
    "group",
    "household_id",
    "head_name",
    "household_type",
    "monitoring_type",
    "segment",
    "person_names",
    "person_id_numbers",
    "rule_id",
    "cause",
    "cause_label",
    "title",
    "severity",
    "evidence",
    "department",
    "match_evidence",
    "match_score",
    "status",
)
RULE_COLUMNS: tuple[str, ...] = (
    "rule_id",
    "cause_label",
    "title",
    "description",
    "severity",
    "department",
    "thresholds",
)

#: Input contract of the must-visit frame (monitored households with no visit recorded this month).
UNVISITED_COLUMNS: tuple[str, ...] = (
    "township",
    "village",
    "group",
    "household_id",
    "head_name",
    "monitoring_type",
    "grid",
    "grid_worker",
)
#: The 本月未走访监测户 sheet: (header, input column or "" for computed/blank, width).
UNVISITED_SHEET_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("序号", "", 6),
    ("行政村", "village", 12),
    ("村民小组", "group", 10),
    ("户编号", "household_id", 18),
    ("户主姓名", "head_name", 10),
    ("监测对象类别", "monitoring_type", 16),
    ("网格", "grid", 16),
    ("网格员", "grid_worker", 10),
)
