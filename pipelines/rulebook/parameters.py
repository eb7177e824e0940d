"""Thresholds by year and segment (rules/parameters.yaml): never constants in code (domain.md)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.rulebook.errors import ParameterError, ParameterNotInForceError, RuleIssue
from pipelines.rulebook.models import SEGMENT_LABELS, SEGMENTS
from pipelines.rulebook.periods import parse_period
from pipelines.rulebook.yamlio import LineDict, YamlSyntaxError, line_of, read_yaml

ParamValue = float | dict[str, float]
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Parameters:
    """Parameter values per year; a value applies from its year until a later year block changes it."""

    years: dict[int, dict[str, ParamValue]]
    file: str = "rules/parameters.yaml"
    lines: dict[str, int] = field(default_factory=dict)
    """Line of the first definition of each name (for error messages)."""
    labels: dict[str, str] = field(default_factory=dict)
    """Chinese wording of each parameter for township staff (the `labels:` block); the name otherwise."""

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    @property
    def names(self) -> set[str]:
        return {name for block in self.years.values() for name in block}

    def years_of(self, name: str) -> list[int]:
        return sorted(y for y, block in self.years.items() if name in block)

    def value(self, name: str, period: str) -> ParamValue:
        """The value in force for `period`: from the latest year ≤ the period's year that sets `name`.

        Per-name (not per-block) so a new year's block only needs the values that changed.
        """
        year = parse_period(period)[0].year
        years = self.years_of(name)
        eligible = [y for y in years if y <= year]
        if not eligible:
            raise ParameterNotInForceError(name, period, years)
        return self.years[max(eligible)][name]

    def value_for(self, name: str, period: str, segment: str) -> float | None:
        """The value for one segment (None when a per-segment value leaves that segment out)."""
        v = self.value(name, period)
        return v.get(segment) if isinstance(v, dict) else v


MAX_PARAMETER = 1e12
"""No threshold is larger (amounts are yuan, counts are people or days): a bigger value is a typo."""


def _number(v: Any) -> bool:
    """A finite number within ±MAX_PARAMETER (.inf, .nan and 10**400 are not thresholds: they passed the
    check once and crashed the run)."""
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        f = float(v)
    except OverflowError:
        return False
    return math.isfinite(f) and abs(f) <= MAX_PARAMETER


def parse_parameters(data: Any, file: str) -> Parameters:
    """Validate parsed YAML into Parameters, collecting every problem."""
    issues: list[RuleIssue] = []

    def bad(line: int | None, msg: str) -> None:
        issues.append(RuleIssue(file, line, None, msg))

    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise ParameterError([RuleIssue(file, line_of(data), None, "expected a top-level 'years:' mapping")])
    for key in data:
        if key not in ("years", "labels"):
            bad(line_of(data, key), f"unknown key {key!r}; allowed: ['years', 'labels']")
    years_node = data["years"]
    years: dict[int, dict[str, ParamValue]] = {}
    lines: dict[str, int] = {}
    for year, block in years_node.items():
        yline = line_of(years_node, year)
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            bad(yline, f"year {year!r} is not a year like 2026")
            continue
        if not isinstance(block, dict):
            bad(yline, f"year {year}: expected a mapping of parameter name to value")
            continue
        values: dict[str, ParamValue] = {}
        for name, raw in block.items():
            line = line_of(block, name)
            if not isinstance(name, str) or not _NAME.match(name):
                bad(
                    line,
                    f"parameter name {name!r} is not dotted lower_snake_case like 'illness.out_of_pocket_ytd'",
                )
                continue
            if _number(raw):
                values[name] = float(raw)
            elif isinstance(raw, dict):
                unknown = [k for k in raw if k not in SEGMENTS]
                non_numbers = [k for k, v in raw.items() if k in SEGMENTS and not _number(v)]
                if unknown:
                    bad(line, f"parameter {name!r}: unknown segment(s) {unknown}; allowed: {list(SEGMENTS)}")
                if non_numbers:
                    bad(
                        line,
                        f"parameter {name!r}: value for {non_numbers} is not a finite number up to {MAX_PARAMETER:.0e}",
                    )
                if not unknown and not non_numbers:
                    values[name] = {k: float(v) for k, v in raw.items()}
            else:
                shown = (
                    raw
                    if not isinstance(raw, int) or abs(raw) < 10**15
                    else f"a {len(str(abs(raw)))}-digit number"
                )
                bad(
                    line,
                    f"parameter {name!r}: expected a finite number up to {MAX_PARAMETER:.0e} or "
                    f"{{segment: number}}, got {shown!r}",
                )
                continue
            if line is not None:
                lines.setdefault(name, line)
        years[year] = values
    labels: dict[str, str] = {}
    label_node = data.get("labels") or {}
    if not isinstance(label_node, dict):
        bad(line_of(data, "labels"), "labels: expected a mapping of parameter name to Chinese wording")
        label_node = {}
    known = {n for block in years.values() for n in block}
    for name, text in label_node.items():
        if name not in known:
            bad(
                line_of(label_node, name), f"labels: {name!r} is not a parameter; parameters: {sorted(known)}"
            )
        elif not isinstance(text, str) or not text.strip():
            bad(line_of(label_node, name), f"labels: {name!r} needs a non-empty text")
        else:
            labels[name] = text.strip()
    if issues:
        raise ParameterError(issues)
    return Parameters(years=dict(sorted(years.items())), file=file, lines=lines, labels=labels)


def load_parameters(path: Path | str, display: str | None = None) -> Parameters:
    """Read and validate rules/parameters.yaml."""
    path = Path(path)
    name = display or str(path)
    try:
        data = read_yaml(path, name)
    except YamlSyntaxError as e:
        raise ParameterError([RuleIssue(name, e.line, None, f"YAML syntax: {e.problem}")]) from e
    return parse_parameters(data if data is not None else LineDict(), name)


def format_value(value: ParamValue) -> str:
    """Human text of a parameter value, segments in Chinese (for the rule-explanation sheet)."""
    if isinstance(value, dict):
        return "；".join(f"{SEGMENT_LABELS[s]} {value[s]:,.0f}" for s in SEGMENTS if s in value)
    return f"{value:,.10g}" if value != int(value) else f"{value:,.0f}"
