"""Expected warnings computed from the generated rows themselves, using each row's TRUE person."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.synth.dirt import is_reachable
from pipelines.synth.people import Household, Population
from pipelines.synth.records import Record
from pipelines.synth.windows import Period, age_at

LOW_SEGMENTS = ("poverty_exit", "monitored")


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the rulebook defines it: rows of `source` in `window` passing `keep`, per household."""

    rule_id: str
    cause: str
    source: str
    window: str
    keep: Callable[[Record, Period], bool]
    measure: str | None = None
    """Summed field for threshold rules (None: any qualifying row fires)."""
    low: float = 0.0
    """Threshold for poverty_exit / monitored households."""
    high: float = 0.0
    """Threshold for ordinary households."""

    def threshold(self, hh: Household) -> float:
        return self.low if hh.segment in LOW_SEGMENTS else self.high


def _working_age(r: Record, p: Period) -> bool:
    return r.person is not None and 16 <= age_at(r.person.birth, p.end) <= 60


PLANTED_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("ILL-001", "illness", "medical_insurance", "year_to_date", lambda r, p: True, "out_of_pocket", 5000, 20000),
    RuleSpec("ILL-002", "illness", "health", "period_month", lambda r, p: r.values["disease_category"] == "大病"),
    RuleSpec(
        "SCH-001", "schooling", "education", "last_3_months",
        lambda r, p: r.values["status"] in ("辍学", "失学")
        and r.person is not None and 6 <= age_at(r.person.birth, p.end) <= 15,
    ),
    RuleSpec("DSR-001", "disaster", "emergency", "last_3_months", lambda r, p: True, "loss", 10000, 30000),
    RuleSpec("DAB-001", "disability", "disability", "period_month", lambda r, p: r.values["grade"] in ("一级", "二级")),
    RuleSpec("IND-001", "industry", "agriculture", "last_3_months", lambda r, p: True, "loss", 10000, 30000),
    RuleSpec(
        "EMP-001", "employment", "hrss", "last_3_months",
        lambda r, p: r.values["event"] in ("失业登记", "解除劳动合同") and _working_age(r, p),
    ),
    RuleSpec(
        "ACC-001", "accident", "public_security", "last_3_months",
        lambda r, p: r.values["outcome"] in ("受伤", "致残", "死亡") and _working_age(r, p),
    ),
    RuleSpec("AST-001", "assistance", "civil_affairs", "last_3_months",
             lambda r, p: r.values["programme"] in ("低保", "特困", "临时救助")),
    RuleSpec("HOU-001", "housing", "housing", "last_12_months", lambda r, p: r.values["grade"] in ("C", "D")),
)  # fmt: skip
RULES_BY_SOURCE: dict[str, RuleSpec] = {r.source: r for r in PLANTED_RULES}
"""The one rule per source that plants are made for."""

# Rules the truth also applies although nothing is planted for them: their hits arise from the
# generated rows themselves (a working-age member's cremation record fires AST-002).
WATER_FIXED = ("已解决", "已整改", "已修复", "已完成")
VEHICLE_GONE = ("注销", "报废", "已注销", "已报废")
BUSINESS_GONE = ("注销", "吊销", "已注销", "已吊销")


def _monitored(r: Record) -> bool:
    return r.household is not None and r.household.segment == "monitored"


def _text(r: Record, f: str) -> str:
    """coalesce(field, '') as the rule sees it."""
    return r.values.get(f) or ""


# Water and the exclusion checks (信息比对), planted from their own rng stream (plants.CHECK_*), so the ten
# sources above come out byte-identical. Mirrors rules/water.yaml and rules/exclusion.yaml exactly; the
# exclusion rules cover segments [monitored] only.
CHECK_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("WAT-001", "water", "water", "last_3_months", lambda r, p: _text(r, "fix_status") not in WATER_FIXED),
    RuleSpec(
        "EXC-001", "exclusion", "vehicles", "all_time",
        lambda r, p: _monitored(r) and _text(r, "vehicle_status") not in VEHICLE_GONE
        and "摩托" not in _text(r, "vehicle_type") and "三轮" not in _text(r, "vehicle_type"),
    ),
    RuleSpec("EXC-002", "exclusion", "real_estate", "all_time",
             lambda r, p: _monitored(r) and "宅基地" not in _text(r, "usage")),
    RuleSpec("EXC-003", "exclusion", "market_supervision", "all_time",
             lambda r, p: _monitored(r) and _text(r, "reg_status") not in BUSINESS_GONE),
    RuleSpec("EXC-004", "exclusion", "public_payroll", "all_time", lambda r, p: _monitored(r)),
)  # fmt: skip
CHECK_RULES_BY_SOURCE: dict[str, RuleSpec] = {r.source: r for r in CHECK_RULES}

RULES: tuple[RuleSpec, ...] = (
    *PLANTED_RULES,
    RuleSpec(
        "AST-002", "assistance", "civil_affairs", "last_3_months",
        lambda r, p: r.values["programme"] == "死亡火化" and _working_age(r, p),
    ),
    *CHECK_RULES,
)  # fmt: skip


@dataclass(frozen=True)
class Warning:
    household_id: str
    township: str
    rule_id: str
    cause: str
    exact_reachable: bool


def evaluate(
    rule: RuleSpec, records: list[Record], period: Period, *, count_copies: bool = False
) -> dict[str, tuple[Household, bool]]:
    """Households that trip the rule → (household, fires on exactly-reachable rows alone)."""
    start, end = period.window(rule.window)
    totals: dict[str, list] = {}
    for r in records:
        hh = r.household
        if hh is None or (r.copy_of is not None and not count_copies):
            continue
        if not (start <= r.event_date <= end) or not rule.keep(r, period):
            continue
        amount = float(r.values[rule.measure]) if rule.measure else 1.0
        entry = totals.setdefault(hh.household_id, [hh, 0.0, 0.0])
        entry[1] += amount
        if is_reachable(r):
            entry[2] += amount
    fired: dict[str, tuple[Household, bool]] = {}
    for hid, (hh, total, reachable) in totals.items():
        line = rule.threshold(hh) if rule.measure else 1.0
        if total >= line:
            fired[hid] = (hh, reachable >= line)
    return fired


MONITORING_LINE = 7500
"""income.monitoring_line for 2026 in rules/parameters.yaml (INC-001 compares the registry income)."""


def expected_warnings(
    by_source: dict[str, list[Record]], period: Period, pop: Population | None = None
) -> list[Warning]:
    out: list[Warning] = []
    for rule in RULES:
        fired = evaluate(rule, by_source.get(rule.source, []), period)
        for hid in sorted(fired):
            hh, reachable = fired[hid]
            out.append(Warning(hid, hh.township.name, rule.rule_id, rule.cause, reachable))
    if pop is not None:  # INC-001 reads the registry itself: no matching involved
        out += [
            Warning(h.household_id, h.township.name, "INC-001", "income", True)
            for h in sorted(pop.households, key=lambda h: h.household_id)
            if h.segment != "monitored" and h.income < MONITORING_LINE
        ]
    return out


def drop_unsafe_copies(by_source: dict[str, list[Record]], period: Period) -> int:
    """Remove repeated rows whose double counting would change a threshold outcome; returns how many."""
    removed = 0
    for rule in RULES:
        if rule.measure is None:
            continue
        records = by_source.get(rule.source, [])
        once = evaluate(rule, records, period)
        twice = evaluate(rule, records, period, count_copies=True)
        differing = {
            h
            for h in once.keys() | twice.keys()
            if once.get(h, (None, None))[1] != twice.get(h, (None, None))[1]
        }
        if differing:
            keep = [
                r
                for r in records
                if not (r.copy_of is not None and r.household and r.household.household_id in differing)
            ]
            removed += len(records) - len(keep)
            by_source[rule.source] = keep
    return removed


def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_truth(
    truth_dir: Path,
    period: Period,
    warnings: list[Warning],
    pop: Population,
    extract_rows: list[list],
    grid: dict[str, dict] | None = None,
) -> dict[str, Path]:
    """`grid`: household_id → ledger truth (monitored_unvisited, risk_reported), when ledgers were made."""
    grid = grid or {}
    truth_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "extract_rows": truth_dir / "extract_rows.csv",
        "expected_warnings": truth_dir / "expected_warnings.csv",
        "households": truth_dir / "households.csv",
    }
    paths["extract_rows"].write_bytes(
        _csv_bytes(
            [
                "source",
                "file",
                "row_no",
                "true_person_id",
                "true_household_id",
                "dirt",
                "name_written",
                "id_written",
            ],
            extract_rows,
        )
    )
    paths["expected_warnings"].write_bytes(
        _csv_bytes(
            ["period", "household_id", "township", "rule_id", "cause", "exact_reachable"],
            [
                [period.text, w.household_id, w.township, w.rule_id, w.cause, str(w.exact_reachable).lower()]
                for w in warnings
            ],
        )
    )
    paths["households"].write_bytes(
        _csv_bytes(
            ["household_id", "township", "village", "segment", "monitored_unvisited", "risk_reported"],
            [
                [
                    h.household_id,
                    h.township.name,
                    h.village.name,
                    h.segment,
                    str(grid.get(h.household_id, {}).get("monitored_unvisited", False)).lower(),
                    str(grid.get(h.household_id, {}).get("risk_reported", False)).lower(),
                ]
                for h in pop.households
            ],
        )
    )
    return paths
