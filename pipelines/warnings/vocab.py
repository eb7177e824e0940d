"""The closed vocabularies of warnings and their verification: statuses, outcomes, severities.

One definition each, imported by the rulebook (severity), the workbooks (labels, drop-down) and the
feedback import (allowed outcomes).
"""

from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["red", "yellow", "green"]
SEVERITIES: tuple[str, ...] = get_args(Severity)

Status = Literal["new", "repeated", "escalated", "suppressed", "confirmed", "closed"]
"""new / repeated / escalated / suppressed are given when a period is screened (`build_status`);
confirmed / closed only by a verification outcome (never by a rule that stops firing)."""
STATUSES: tuple[str, ...] = get_args(Status)

#: Statuses of a warning sent to the township and not yet answered (suppressed ones were never sent).
OPEN_STATUSES: tuple[str, ...] = ("new", "repeated", "escalated")

#: Verification outcomes (domain.md, "The loop"): the drop-down values and what each means.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("风险属实-纳入监测", "入户核实风险属实，按程序纳入防返贫监测对象（可走绿色通道）"),
    ("风险属实-已是监测户-落实帮扶", "风险属实，该户已是监测对象，需补充落实针对性帮扶措施"),
    ("无风险", "入户核实未发现返贫致贫风险"),
    ("不符合条件", "经核实收入或资产等不符合纳入监测条件"),
    ("转民政救助", "需转介民政部门落实低保、特困、临时救助或医疗救助等"),
    ("信息有误", "部门数据与本户不符（非本人、身份证号不符等）"),
    ("人户分离", "人员户籍在本地但长期不在本地居住"),
    ("已死亡", "涉及人员已死亡"),
    ("重复预警", "与已核实处理的预警重复"),
)
OUTCOME_VALUES: tuple[str, ...] = tuple(value for value, _ in OUTCOMES)

#: Outcomes that mean "this is a real risk": the warning stays open as `confirmed`.
CONFIRMED_PREFIX = "风险属实"
#: The outcome that suppresses a (household, rule) for `suppress_months`.
NO_RISK = "无风险"

#: How a period's view shows an open warning of an earlier period whose rule did not fire again.
NOT_REFIRED_LABEL = "本期未再触发"
REFIRED_LABEL = "本期再次触发"


def status_after(outcome: str | None, build_status: str) -> str:
    """The status a verification outcome gives a warning (none: the status its screening gave)."""
    if outcome is None:
        return build_status
    return "confirmed" if outcome.startswith(CONFIRMED_PREFIX) else "closed"
