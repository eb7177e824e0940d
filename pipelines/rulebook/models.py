"""Typed rule objects: what a validated rule file becomes. Closed vocabularies are Literal types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pipelines.period import Window
from pipelines.warnings.vocab import Severity

Cause = Literal[
    "illness",
    "schooling",
    "disaster",
    "disability",
    "industry",
    "employment",
    "accident",
    "assistance",
    "housing",
    "water",
    "income",
    "exclusion",
]
Segment = Literal["poverty_exit", "monitored", "ordinary"]
Per = Literal["household", "person"]

CAUSE_LABELS: dict[str, str] = {
    # 返贫致贫风险类型 as the national monitoring information system names them (domain.md)
    "illness": "因病",
    "schooling": "因学",
    "disaster": "因自然灾害",
    "disability": "因残",
    "industry": "因产业项目失败",
    "employment": "因务工就业不稳",
    "accident": "因意外事故",
    "housing": "住房出现安全问题",
    "water": "饮水安全问题",
    # department signals that are not risk types themselves: shown as signals, the township decides the type
    "assistance": "民政救助（信号）",
    "income": "收入低于监测线（信号）",
    "exclusion": "信息比对疑点",
}
RISK_TYPES: tuple[str, ...] = (
    "因病", "因学", "因残", "因自然灾害", "因意外事故", "因产业项目失败", "因务工就业不稳", "缺劳动力",
    "住房出现安全问题", "饮水安全问题", "其他",
)  # fmt: skip
"""返贫致贫风险类型 of the national monitoring system: what a rule's optional `risk_type` may name."""
SIGNAL_CAUSES: tuple[str, ...] = ("assistance", "income")
"""Causes whose warnings are signals, not 风险类型: the rules sheet says so and which type they usually become."""
SIGNAL_NOTE: dict[str, str] = {
    "assistance": "民政新纳入低保/特困、临时救助或主要劳动力死亡等信号，非风险类型：请入户核实后按实际情况认定"
    "风险类型（主要劳动力死亡多为“缺劳动力”，其余多为“因病”“因残”等或“其他”）",
    "income": "登记人均纯收入低于监测线的信号，非风险类型：请入户核实收入及原因后按实际情况认定风险类型",
}
LEGACY_CAUSE_LABELS: dict[str, str] = {
    "因灾": "disaster",
    "因产业失败": "industry",
    "因就业不稳": "employment",
    "住房安全": "housing",
    "饮水安全": "water",
    "民政救助": "assistance",
    "收入偏低": "income",
}
"""Labels rule files written before the national names may still carry: accepted, shown as the national one."""
EXCLUSION_CAUSES: tuple[str, ...] = ("exclusion",)
"""Causes that are eligibility doubts (信息比对), not risks: reported apart from risk warnings."""
SEGMENTS: tuple[str, ...] = ("poverty_exit", "monitored", "ordinary")
SEGMENT_LABELS: dict[str, str] = {"poverty_exit": "脱贫户", "monitored": "监测户", "ordinary": "一般农户"}
WINDOW_LABELS: dict[str, str] = {
    "year_to_date": "年初至本期末",
    "period_month": "本期当月",
    "last_3_months": "近3个月",
    "last_12_months": "近12个月",
    "all_time": "截至本期末的全部记录",
}
PERS: tuple[str, ...] = ("household", "person")

DEFAULT_EXAMPLE_PERIOD = "2026-06"


@dataclass(frozen=True)
class Example:
    """A small given/expect case: rows per source in, the households that must fire out."""

    name: str
    given: dict[str, list[dict[str, Any]]]
    expect: tuple[str, ...]
    """Households expected to trip the rule (sorted, distinct)."""
    period: str = DEFAULT_EXAMPLE_PERIOD
    line: int | None = None


@dataclass(frozen=True)
class Rule:
    """One validated risk rule; expressions are kept as text and re-parsed by the compiler."""

    id: str
    cause: Cause
    cause_label: str
    title: str
    source: str
    segments: tuple[Segment, ...]
    window: Window
    per: Per
    where: str | None
    measures: dict[str, str]
    when: str
    severity: Severity
    message: str
    description: str
    examples: tuple[Example, ...]
    params: tuple[str, ...]
    """Parameters used by `where` and `when`, in order of first use (the first one in `when` is `{param}`)."""
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Rulebook:
    """All rules of a rules directory, in file then declaration order."""

    rules: tuple[Rule, ...]
    files: tuple[str, ...] = field(default=())

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"no rule {rule_id!r}; rules: {[r.id for r in self.rules]}")


def param_column(name: str) -> str:
    """Output column of a parameter: `illness.out_of_pocket_ytd` → `param_illness_out_of_pocket_ytd`."""
    return "param_" + name.replace(".", "_")
