"""Loading and validating rule files: every problem is collected with file:line and rule id, then raised once."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.period import WINDOWS
from pipelines.rulebook.errors import InvalidPeriodError, ParameterError, RulebookError, RuleIssue
from pipelines.rulebook.expressions import check_expression
from pipelines.rulebook.facts import fact_columns, rule_sources
from pipelines.rulebook.models import (
    CAUSE_LABELS,
    DEFAULT_EXAMPLE_PERIOD,
    LEGACY_CAUSE_LABELS,
    PERS,
    RISK_TYPES,
    SEGMENTS,
    Example,
    Rule,
    Rulebook,
    param_column,
)
from pipelines.rulebook.parameters import Parameters, load_parameters
from pipelines.rulebook.periods import parse_period
from pipelines.rulebook.yamlio import YamlSyntaxError, line_of, read_yaml
from pipelines.warnings.vocab import SEVERITIES

PARAMETERS_FILE = "parameters.yaml"
FILE_KEYS = ("cause", "cause_label", "rules")
REQUIRED_RULE_KEYS = (
    "id", "title", "source", "window", "per", "measures", "when", "severity", "message", "description", "examples",
)  # fmt: skip
OPTIONAL_RULE_KEYS = ("segments", "where", "risk_type")
EXAMPLE_KEYS = ("name", "given", "expect", "period")
ROW_SHORTHANDS = {"household": "household_id", "person": "person_id"}
RESERVED_OUTPUT = {"household_id", "person_ids", "row_keys", "segment"}
_RULE_ID = re.compile(r"^[A-Z]{3}-\d{3}$")
_MEASURE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Collector:
    """Accumulates issues for one file; `rule_id` is set while a rule is being checked."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.rule_id: str | None = None
        self.issues: list[RuleIssue] = []

    def add(self, line: int | None, message: str) -> None:
        self.issues.append(RuleIssue(self.file, line, self.rule_id, message))


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


MAX_MESSAGE_CHARS = 300
"""A warning message is one line in a township workbook."""
_SAFE_SPEC = re.compile(r"[,_]?(?:\.\d)?[dfe%]?")
"""Format specs a message may use: thousands separator, up to 9 decimals, a number type; no width,
fill or nesting."""


def _check_message(message: str, allowed: list[str], measures: list[str]) -> list[str]:
    """Placeholders must name a measure, `param` or a param column; format specs must work on numbers."""
    problems: list[str] = []
    try:
        parts = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(message) if f is not None]
    except ValueError as e:
        return [f"message is not a valid template: {e}"]
    if len(message) > MAX_MESSAGE_CHARS:
        problems.append(f"message is {len(message)} characters; at most {MAX_MESSAGE_CHARS}")
    for f, spec, conv in parts:
        if f not in allowed:
            problems.append(f"message placeholder '{{{f}}}' is not a measure; measures: {measures}")
        elif conv or not _SAFE_SPEC.fullmatch(spec or ""):
            # a plain number format only: a nested or huge width ({x:>{pad}}, {x:99999}) writes megabytes
            problems.append(
                f"message placeholder '{{{f}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}': only "
                "plain number formats are allowed, like {x}, {x:,.0f}, {x:.1f}, {x:.0%}"
            )
    if not problems:
        try:
            message.format(**dict.fromkeys(allowed, 1234.5))
        except (ValueError, KeyError, IndexError) as e:
            problems.append(f"message cannot be rendered: {e}")
    return problems


def _check_example(ex: Any, index: int, examples: Any, c: _Collector) -> Example | None:
    line = line_of(examples, index)
    if not isinstance(ex, dict):
        c.add(line, "an example must be a mapping with name, given, expect")
        return None
    ok = True
    for key in ex:
        if key not in EXAMPLE_KEYS:
            c.add(line_of(ex, key), f"example: unknown key {key!r}; allowed: {list(EXAMPLE_KEYS)}")
            ok = False
    name = ex.get("name")
    if not _text(name):
        c.add(line, "example needs a 'name'")
        ok = False
    label = f"example {name!r}"
    period = str(ex.get("period", DEFAULT_EXAMPLE_PERIOD))
    try:
        parse_period(period)
    except InvalidPeriodError as e:
        c.add(line_of(ex, "period"), f"{label}: {e}")
        ok = False
    given = ex.get("given")
    if not isinstance(given, dict):
        c.add(line_of(ex, "given") or line, f"{label}: 'given' must map source names to lists of rows")
        return None
    rows_by_source: dict[str, list[dict[str, Any]]] = {}
    for source, rows in given.items():
        sline = line_of(given, source)
        if source not in rule_sources():
            c.add(sline, f"{label}: unknown source {source!r}; sources: {list(rule_sources())}")
            ok = False
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            c.add(sline, f"{label}: rows of {source} must be a list of mappings")
            ok = False
            continue
        columns = fact_columns(source)
        for i, row in enumerate(rows):
            for key, value in row.items():
                col = ROW_SHORTHANDS.get(key, key)
                if col not in columns:
                    c.add(line_of(rows, i), f"{label}: unknown column {key!r}; {source} has {list(columns)}")
                    ok = False
                elif columns[col] == "DATE" and value is not None and not isinstance(value, date):
                    try:
                        date.fromisoformat(str(value))
                    except ValueError:
                        c.add(line_of(rows, i), f"{label}: {key}={value!r} is not a date (YYYY-MM-DD)")
                        ok = False
        rows_by_source[source] = [dict(r) for r in rows]
    expect = ex.get("expect")
    households: list[str] = []
    if not isinstance(expect, list) or not all(isinstance(e, dict) and "household" in e for e in expect):
        c.add(line_of(ex, "expect") or line, f"{label}: 'expect' must be a list of {{household: H}} (or [])")
        ok = False
    else:
        households = sorted({str(e["household"]) for e in expect})
    if not ok:
        return None
    return Example(str(name), rows_by_source, tuple(households), period, line)


def _check_rule(
    node: Any, index: int, rules: Any, cause: str, cause_label: str, params: Parameters | None, c: _Collector
) -> Rule | None:
    c.rule_id = None
    line = line_of(rules, index)
    if not isinstance(node, dict):
        c.add(line, "a rule must be a mapping (id, title, source, …)")
        return None
    rid = node.get("id")
    c.rule_id = str(rid) if rid is not None else f"#{index + 1}"
    n_before = len(c.issues)
    if rid is not None and not (isinstance(rid, str) and _RULE_ID.match(rid)):
        c.add(
            line_of(node, "id"), f"id {rid!r} should look like 'ILL-001' (three capitals, dash, three digits)"
        )
    missing = [k for k in REQUIRED_RULE_KEYS if k not in node]
    if missing:
        c.add(line, f"missing required key(s) {missing}")
    for key in node:
        if key not in REQUIRED_RULE_KEYS and key not in OPTIONAL_RULE_KEYS:
            allowed = [*REQUIRED_RULE_KEYS, *OPTIONAL_RULE_KEYS]
            c.add(line_of(node, key), f"unknown key {key!r}; allowed: {allowed}")
    for key in ("title", "message", "description"):
        if key in node and not _text(node[key]):
            c.add(line_of(node, key), f"'{key}' must be non-empty text")

    def vocab(key: str, allowed: tuple[str, ...]) -> None:
        if key in node and node[key] not in allowed:
            c.add(line_of(node, key), f"unknown {key} {node[key]!r}; allowed: {list(allowed)}")

    vocab("window", WINDOWS)
    vocab("per", PERS)
    vocab("severity", SEVERITIES)
    vocab("risk_type", RISK_TYPES)  # a signal rule that maps onto a national 风险类型 says which
    source = node.get("source")
    columns: dict[str, str] | None = None
    if "source" in node:
        if source in rule_sources():
            columns = fact_columns(source)
        else:
            c.add(line_of(node, "source"), f"unknown source {source!r}; sources: {list(rule_sources())}")
    segments = node.get("segments", list(SEGMENTS))
    if not isinstance(segments, list) or not segments or any(s not in SEGMENTS for s in segments):
        c.add(
            line_of(node, "segments"), f"unknown segments {segments!r}; allowed: subset of {list(SEGMENTS)}"
        )
        segments = list(SEGMENTS)

    used_params: list[str] = []
    where = node.get("where")
    if where is not None and columns is not None:
        checked = check_expression(str(where), "row", columns, str(source))
        for p in checked.problems:
            c.add(line_of(node, "where"), f"where: {p}")
        where_params = checked.params
    else:
        where_params = []
    measures = node.get("measures")
    measure_names: list[str] = []
    if "measures" in node:
        if not isinstance(measures, dict) or not measures:
            c.add(line_of(node, "measures"), "'measures' must map names to aggregate expressions")
            measures = {}
        for name, text in measures.items():
            mline = line_of(measures, name)
            if not isinstance(name, str) or not _MEASURE_NAME.match(name) or name in RESERVED_OUTPUT:
                c.add(
                    mline,
                    f"measure name {name!r} must be lower_snake_case and not one of {sorted(RESERVED_OUTPUT)}",
                )
                continue
            if name.startswith("param"):
                c.add(
                    mline, f"measure name {name!r}: names starting with 'param' are reserved for parameters"
                )
                continue
            measure_names.append(name)
            if columns is not None:
                for p in check_expression(str(text), "measure", columns, str(source)).problems:
                    c.add(mline, f"measure {name}: {p}")
    if "when" in node:
        checked = check_expression(str(node["when"]), "condition", measure_names, "the measures")
        for p in checked.problems:
            c.add(line_of(node, "when"), f"when: {p}")
        used_params.extend(checked.params)
    when_params = list(used_params)
    used_params.extend(p for p in where_params if p not in used_params)

    for p in used_params:
        pline = line_of(node, "when" if p in when_params else "where")
        if params is None:
            continue
        if p not in params.names:
            c.add(pline, f"unknown parameter '{p}'; {params.file} has {sorted(params.names)}")
            continue
        for year in params.years_of(p):
            value = params.years[year][p]
            if isinstance(value, dict):
                lacking = [s for s in segments if s not in value]
                if lacking:
                    c.add(
                        pline,
                        f"parameter '{p}' in {year} has no value for segment(s) {lacking} this rule covers",
                    )

    if _text(node.get("message")):
        allowed = [*measure_names, *(["param"] if when_params else []), *map(param_column, used_params)]
        for p in _check_message(node["message"], allowed, measure_names):
            c.add(line_of(node, "message"), p)

    examples = node.get("examples")
    parsed_examples: list[Example] = []
    if "examples" in node:
        if not isinstance(examples, list) or not examples:
            c.add(
                line_of(node, "examples"),
                "'examples' must be a non-empty list (one that fires, one that does not)",
            )
        else:
            for i, ex in enumerate(examples):
                parsed = _check_example(ex, i, examples, c)
                if parsed is not None:
                    parsed_examples.append(parsed)
    if len(c.issues) > n_before:
        return None
    assert isinstance(measures, dict)  # required, and a non-mapping was reported above
    return Rule(
        id=str(rid),
        cause=cause,  # type: ignore[arg-type]
        cause_label=str(node["risk_type"]) if node.get("risk_type") in RISK_TYPES else cause_label,
        title=str(node["title"]),
        source=str(source),
        segments=tuple(s for s in SEGMENTS if s in segments),  # type: ignore[misc]
        window=node["window"],
        per=node["per"],
        where=str(where) if where is not None else None,
        measures={k: str(v) for k, v in measures.items()},
        when=str(node["when"]),
        severity=node["severity"],
        message=str(node["message"]),
        description=str(node["description"]),
        examples=tuple(parsed_examples),
        params=tuple(used_params),
        file=c.file,
        line=line,
    )


def check_rule_file(data: Any, file: str, params: Parameters | None) -> tuple[list[Rule], list[RuleIssue]]:
    """Validate one parsed rule file; returns the valid rules and every issue found."""
    c = _Collector(file)
    if not isinstance(data, dict):
        c.add(line_of(data) or 1, "a rule file is a mapping with cause, cause_label and rules")
        return [], c.issues
    for key in data:
        if key not in FILE_KEYS:
            c.add(line_of(data, key), f"unknown key {key!r}; allowed: {list(FILE_KEYS)}")
    missing = [k for k in FILE_KEYS if k not in data]
    if missing:
        c.add(line_of(data), f"missing required key(s) {missing}")
        return [], c.issues
    cause, label = data["cause"], data["cause_label"]
    if cause not in CAUSE_LABELS:
        c.add(line_of(data, "cause"), f"unknown cause {cause!r}; allowed: {list(CAUSE_LABELS)}")
    elif LEGACY_CAUSE_LABELS.get(label) == cause:
        label = CAUSE_LABELS[cause]  # an older label of this cause: the workbooks show the national name
    elif label != CAUSE_LABELS[cause]:
        c.add(
            line_of(data, "cause_label"),
            f"cause_label {label!r} does not match cause {cause!r}: expected {CAUSE_LABELS[cause]!r}",
        )
    rules_node = data["rules"]
    if not isinstance(rules_node, list) or not rules_node:
        c.add(line_of(data, "rules"), "'rules' must be a non-empty list")
        return [], c.issues
    out = []
    for i, node in enumerate(rules_node):
        rule = _check_rule(node, i, rules_node, str(cause), str(label), params, c)
        if rule is not None:
            out.append(rule)
    return out, c.issues


def _display(path: Path, rules_dir: Path) -> str:
    """`rules/illness.yaml`: the name a county officer sees in the repository."""
    try:
        return str(path.relative_to(rules_dir.parent))
    except ValueError:
        return str(path)


def load_rulebook(rules_dir: Path | str, parameters: Parameters | None = None) -> Rulebook:
    """Load and validate every `*.yaml` rule file in `rules_dir` (parameters.yaml aside).

    Parameters are checked too (unknown names, missing segments); by default they come from
    `rules_dir/parameters.yaml`. Nothing is compiled or run until the whole rulebook is valid:
    on any problem one RulebookError lists them all, each as `file:line: rule ID: message`.
    """
    rules_dir = Path(rules_dir)
    issues: list[RuleIssue] = []
    if parameters is None:
        ppath = rules_dir / PARAMETERS_FILE
        if ppath.exists():
            try:
                parameters = load_parameters(ppath, _display(ppath, rules_dir))
            except ParameterError as e:
                issues.extend(e.issues)
        else:
            parameters = Parameters(years={}, file=_display(ppath, rules_dir))
    files = sorted(p for p in rules_dir.glob("*.yaml") if p.name != PARAMETERS_FILE)
    if not files:
        raise RulebookError([RuleIssue(str(rules_dir), None, None, "no rule files (*.yaml) found")])
    rules: list[Rule] = []
    first_seen: dict[str, Rule] = {}
    for path in files:
        name = _display(path, rules_dir)
        try:
            data = read_yaml(path, name)
        except YamlSyntaxError as e:
            issues.append(RuleIssue(name, e.line, None, f"YAML syntax: {e.problem}"))
            continue
        file_rules, file_issues = check_rule_file(data, name, parameters)
        issues.extend(file_issues)
        for rule in file_rules:
            if rule.id in first_seen:
                other = first_seen[rule.id]
                issues.append(
                    RuleIssue(
                        name,
                        rule.line,
                        rule.id,
                        f"duplicate rule id; first defined at {other.file}:{other.line}",
                    )
                )
                continue
            first_seen[rule.id] = rule
            rules.append(rule)
    if issues:
        raise RulebookError(issues)
    return Rulebook(rules=tuple(rules), files=tuple(_display(p, rules_dir) for p in files))
