"""Group (household, rule) warnings into one visit per household.

A township visits a household once, whatever number of rules it tripped, so the verification
sheet has one row per household with the hits folded into multi-line cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import polars as pl

from pipelines.export.cells import mask_id, natural_key
from pipelines.export.errors import MissingColumnsError
from pipelines.export.vocab import MONITORED_NOTE, SEVERITY_RANK, STATUS_NOTE, WARNING_COLUMNS

T = TypeVar("T")

_SEPARATORS = ("、", ",", "，", ";", "；", "\n")


@dataclass(frozen=True)
class Visit:
    """One household to verify, with its hits folded together."""

    visit_id: str
    """Stable id of the visit: ``{period}-{household_id}``; feedback import joins on it."""
    warning_ids: tuple[str, ...]
    village: str
    group: str
    household_id: str
    head_name: str
    household_type: str
    persons: tuple[tuple[str, str], ...]
    """(name, id number) pairs, distinct, in first-seen order."""
    cause_labels: tuple[str, ...]
    severity: str
    rule_lines: tuple[str, ...]
    evidence_lines: tuple[str, ...]
    departments: tuple[str, ...]
    match_lines: tuple[str, ...]
    contact: str = ""
    """The household's 帮扶责任人 and phone numbers from the registry export ('' when it carries none)."""

    def id_numbers_text(self, *, masked: bool) -> str:
        ids = [mask_id(i) if masked else i for _, i in self.persons if i]
        return "\n".join(_distinct(ids))


def visit_id(period: str, household_id: str) -> str:
    """Visit id shown as 预警编号: derived from our own keys, never from ID numbers."""
    return f"{period}-{household_id}"


def require_columns(frame: pl.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnsError(name, missing, frame.columns)


def build_visits(period: str, warnings: pl.DataFrame) -> list[Visit]:
    """Fold warnings into visits sorted by village, group, household_id (natural order)."""
    require_columns(warnings, "warnings", WARNING_COLUMNS)
    by_household: dict[str, list[dict[str, object]]] = {}
    for row in warnings.iter_rows(named=True):
        by_household.setdefault(_s(row["household_id"]), []).append(row)

    visits = [_fold(period, household_id, hits) for household_id, hits in by_household.items()]
    visits.sort(key=lambda v: (natural_key(v.village), natural_key(v.group), natural_key(v.household_id)))
    return visits


def _fold(period: str, household_id: str, hits: list[dict[str, object]]) -> Visit:
    # most urgent first, then by rule: the first line of every cell is the one that matters most
    hits = sorted(
        hits,
        key=lambda r: (-SEVERITY_RANK.get(_s(r["severity"]), 0), _s(r["rule_id"]), _s(r["warning_id"])),
    )
    first = hits[0]
    persons: list[tuple[str, str]] = []
    for hit in hits:
        persons.extend(_pair_persons(_s(hit["person_names"]), _s(hit["person_id_numbers"])))

    rule_lines, evidence_lines, match_lines = [], [], []
    for hit in hits:
        rule_id, title = _s(hit["rule_id"]), _s(hit["title"])
        rule_lines.append(f"{rule_id} {title}{STATUS_NOTE.get(_s(hit['status']), '')}".strip())
        evidence = _s(hit["evidence"])
        note = _s(hit.get("lifecycle_note"))
        if note:  # why a warning escalated: what grew since the township last saw it
            evidence = f"{evidence}（{note}）" if evidence else note
        if evidence:
            evidence_lines.append(f"{rule_id}：{evidence}")
        match = _s(hit["match_evidence"])
        score = hit["match_score"]
        if isinstance(score, float | int):
            match = f"{match}（匹配度{float(score):.2f}）" if match else f"匹配度{float(score):.2f}"
        if match:
            match_lines.append(match)

    household_type = _s(first["household_type"])
    monitoring_type = _s(first["monitoring_type"])
    if monitoring_type and monitoring_type != household_type:
        household_type = f"{household_type}（{monitoring_type}）" if household_type else monitoring_type
    if _s(first["segment"]) == "monitored":  # already monitored: the township adds measures, not admits
        household_type = f"{household_type}\n{MONITORED_NOTE}" if household_type else MONITORED_NOTE

    return Visit(
        visit_id=visit_id(period, household_id),
        warning_ids=tuple(sorted(_distinct(_s(h["warning_id"]) for h in hits))),
        village=_s(first["village"]),
        group=_s(first["group"]),
        household_id=household_id,
        head_name=_s(first["head_name"]),
        household_type=household_type,
        persons=tuple(_distinct(persons)),
        cause_labels=tuple(_distinct(_s(h["cause_label"]) for h in hits)),
        severity=max((_s(h["severity"]) for h in hits), key=lambda s: SEVERITY_RANK.get(s, 0)),
        rule_lines=tuple(_distinct(rule_lines)),
        evidence_lines=tuple(_distinct(evidence_lines)),
        departments=tuple(_distinct(_s(h["department"]) for h in hits)),
        match_lines=tuple(_distinct(match_lines)),
        contact=_contact(first),
    )


def _contact(first: dict[str, object]) -> str:
    """帮扶：name phone / 户：phone, one per line, from the registry export's columns where present."""
    helper = " ".join(p for p in (_s(first.get("helper")), _s(first.get("helper_phone"))) if p)
    phone = _s(first.get("household_phone"))
    return "\n".join(
        line for line in (f"帮扶：{helper}" if helper else "", f"户：{phone}" if phone else "") if line
    )


def _pair_persons(names: str, ids: str) -> list[tuple[str, str]]:
    """Pair names with ID numbers by position when the lists line up, else keep them apart."""
    name_list, id_list = _split(names), _split(ids)
    if len(name_list) == len(id_list):
        return list(zip(name_list, id_list, strict=True))
    return [(n, "") for n in name_list] + [("", i) for i in id_list]


def _split(text: str) -> list[str]:
    for sep in _SEPARATORS[1:]:
        text = text.replace(sep, _SEPARATORS[0])
    return [part.strip() for part in text.split(_SEPARATORS[0]) if part.strip()]


def _distinct(items: Iterable[T]) -> list[T]:
    seen: dict[T, None] = {}
    for item in items:
        if item not in seen and item != "":
            seen[item] = None
    return list(seen)


def _s(value: object) -> str:
    # no strip: a value must come back exactly as the department sent it (blank-only counts as empty)
    if value is None:
        return ""
    text = str(value)
    return text if text.strip() else ""
