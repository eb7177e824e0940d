"""`dixian rules list|test|explain|check`: the risk rules, for the officer who changes a threshold."""

from pathlib import Path

import typer
from rich.table import Table

from pipelines.cli.common import console, parse_period
from pipelines.settings import Settings


def _rules_dir(rules_dir: Path | None) -> Path:
    return Settings.load(rules_dir=rules_dir).rules_dir


def _load_rules(rules_dir: Path | None):
    from pipelines.rulebook import RulebookError, load_parameters, load_rulebook

    folder = _rules_dir(rules_dir)
    try:
        params = load_parameters(folder / "parameters.yaml")
        return load_rulebook(folder, params), params
    except (RulebookError, ValueError) as exc:
        console.print(f"[red]规则文件有误 / rule files have errors[/]\n{exc}")
        raise typer.Exit(2) from exc


def rules_list(rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules).")) -> None:
    """List every rule as a table. 列出全部规则。"""
    rulebook, _ = _load_rules(rules_dir)
    t = Table(title=f"{len(rulebook.rules)} rules")
    for c in ("id", "cause", "title", "source", "segments", "window", "per", "severity"):
        t.add_column(c)
    for r in rulebook.rules:
        t.add_row(r.id, r.cause_label, r.title, r.source, ",".join(r.segments), r.window, r.per, r.severity)
    console.print(t)


def rules_test(rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules).")) -> None:
    """Run every rule's examples; exit 1 if any fails. 运行规则自测用例。"""
    from pipelines.rulebook import run_examples

    rulebook, params = _load_rules(rules_dir)
    results = run_examples(rulebook, params)
    failed = [r for r in results if not r.passed]
    for r in failed:
        where = f"{r.file}:{r.line}" if r.line else r.file
        console.print(
            f"[red]FAIL[/] {where} {r.rule_id} — {r.example}: expected {r.expected}, got {r.actual} {r.error or ''}"
        )
    console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


def rules_explain(
    rule_id: str = typer.Argument(..., help="Rule id, e.g. ILL-001."),
    period: str | None = typer.Option(None, help="Period YYYY-MM for windows and parameters."),
    rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules)."),
) -> None:
    """Show a rule, its parameters for the period and the compiled SQL. 解释规则。"""
    from pipelines.rulebook import compile_rule
    from pipelines.rulebook.parameters import format_value

    rulebook, params = _load_rules(rules_dir)
    p = parse_period(period)
    try:
        rule = rulebook.get(rule_id)
    except KeyError as exc:
        known = ", ".join(r.id for r in rulebook.rules)
        raise typer.BadParameter(f"unknown rule {rule_id!r}; known: {known}") from exc
    console.print(
        f"[bold]{rule.id}[/] {rule.title} ({rule.cause_label}, {rule.severity}) — {rule.file}:{rule.line}"
    )
    console.print(rule.description)
    for name in rule.params:
        console.print(f"  param {name} = {format_value(params.value(name, p))}")
    console.print(compile_rule(rule, params, p).sql)


def rules_check(
    file: Path | None = typer.Argument(
        None, help="One rule file to check (default: the whole rules folder)."
    ),
    rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules)."),
) -> None:
    """Validate rule files without running anything. 检查规则文件。"""
    from pipelines.rulebook import RulebookError, load_parameters
    from pipelines.rulebook.loader import check_rule_file
    from pipelines.rulebook.yamlio import YamlSyntaxError, read_yaml

    if file is None:
        rulebook, _ = _load_rules(rules_dir)
        console.print(f"[green]✓[/] {len(rulebook.rules)} rules in {len(rulebook.files)} files are valid")
        return
    folder = _rules_dir(rules_dir)
    try:
        params = load_parameters(folder / "parameters.yaml")
        rules, issues = check_rule_file(read_yaml(file, str(file)), str(file), params)
    except (YamlSyntaxError, RulebookError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    for issue in issues:
        console.print(f"[red]{issue}[/]")
    if issues:
        raise typer.Exit(2)
    console.print(f"[green]✓[/] {file}: {len(rules)} rules are valid")


def register(app: typer.Typer) -> None:
    """Add the `rules` command group."""
    rules_app = typer.Typer(help="Risk rules: list, test, explain, check. 预警规则。", no_args_is_help=True)
    rules_app.command("list")(rules_list)
    rules_app.command("test")(rules_test)
    rules_app.command("explain")(rules_explain)
    rules_app.command("check")(rules_check)
    app.add_typer(rules_app, name="rules")
