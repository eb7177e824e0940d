"""`dixian`: the command county data officers run. Messages are bilingual where it helps."""

from __future__ import annotations

import os
import shutil
import sys
import time
from importlib import import_module
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pipelines.period import Period, PeriodError
from pipelines.settings import Settings

app = typer.Typer(
    help="Dixian 底线 — departmental data matching and early warning against a return to poverty.",
    no_args_is_help=True,
)
rules_app = typer.Typer(help="Risk rules: list, test, explain, check. 预警规则。", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
# Logs and CI have no terminal: a fixed, wider page keeps the Chinese tables readable there.
console = Console() if sys.stdout.isatty() else Console(width=140)

# Commands that live with their package: each module exposes `register(app: typer.Typer)` and
# imports its heavy dependencies inside the commands, so `dixian --help` stays fast.
COMMAND_MODULES: tuple[str, ...] = (
    "pipelines.ingest.commands",
    "pipelines.matching.commands",
    "pipelines.feedback.commands",
)


def _prefect_env() -> None:
    """Run flows offline on Prefect's ephemeral server, state kept under ./.prefect."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _period(value: str | None) -> str:
    try:
        return str(Period.parse(value)) if value else str(Period.current())
    except PeriodError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def synth(
    out: Path = typer.Option(Path("data"), help="Folder to write registry/, inbox/<period>/, truth/ into."),
    households: int = typer.Option(
        30000, min=10, help="Number of households (Shitai County has about 30,000)."
    ),
    seed: int = typer.Option(20261, help="Random seed: the same seed gives the same county."),
    period: str | None = typer.Option(None, help="Period YYYY-MM the extracts cover (default: this month)."),
) -> None:
    """Build a synthetic county: registry, dirty department extracts, ground truth. 生成模拟县数据。"""
    from pipelines.synth import generate_county

    p = _period(period)
    started = time.perf_counter()
    with console.status("生成模拟县数据 / generating the synthetic county…") as status:
        result = generate_county(
            out, households=households, seed=seed, period=p, progress=lambda s: status.update(s)
        )
    console.print(f"[green]✓[/] synthetic county in {out} ({time.perf_counter() - started:.1f} s): {result}")


def _print_deliveries(result: dict) -> None:
    """Each department's delivery this period, first of all the run says."""
    colours = {"loaded": "green", "problems": "yellow", "not_due": "dim"}
    t = Table(title=f"部门报送 / deliveries — {result['period']}")
    for c in ("部门 department", "报送情况 status", "files", "rows", "说明 detail"):
        t.add_column(c, justify="right" if c in ("files", "rows") else "left")
    for row in result.get("deliveries") or []:
        colour = colours.get(row["status"], "red")
        t.add_row(
            row["department"], f"[{colour}]{row['status_zh']}[/] ({row['status']})", str(row["files"]),
            str(row["rows_loaded"]), row["detail"],
        )  # fmt: skip
    console.print(t)


def _print_summary(result: dict, settings: Settings, elapsed: float) -> None:
    from pipelines.stages import later_periods_notice, warnings_by_township

    _print_deliveries(result)

    t = Table(
        title=f"数据接收 / ingest — {result['period']} (read = new + unchanged + changed + quarantined + ignored)"
    )
    counts = (
        "rows_read",
        "rows_loaded",
        "rows_unchanged",
        "rows_changed",
        "rows_quarantined",
        "rows_ignored",
    )
    for c in ("source", "file", "status", "read", "new", "unchanged", "changed", "quarantined", "ignored"):
        t.add_column(c, justify="left" if c in ("source", "file", "status") else "right")
    for a in result["accounts"]:
        t.add_row(a["source"] or "?", Path(a["file"]).name, a["status"], *(str(a.get(k, 0)) for k in counts))
    console.print(t)
    for a in result["accounts"]:
        if a["status"] == "refused":
            console.print(f"[red]✗ {a['file']}[/]: {a['message']}")
    for a in result["accounts"]:
        if a["status"] == "loaded" and "但表头属于" in (a.get("detection") or ""):
            console.print(
                f"[yellow]↻ {a['file']}[/]: 按表头识别为 {a['source']} / read as {a['source']}: {a['detection']}"
            )
        unknown = a.get("unknown_values") or {}
        if a["status"] == "loaded" and unknown:
            parts = [
                f"{field}: " + "、".join(f"“{v}”×{n}" for v, n in list(values.items())[:3])
                for field, values in unknown.items()
            ]
            console.print(
                f"[yellow]? {a['file']}[/]: 未识别取值已入库 / unknown values loaded — {'; '.join(parts)}"
                " (见数据质量反馈 / see the quality report; add them to data/county/lexicon.yaml)",
                soft_wrap=True,
            )
    m = Table(title="匹配 / matching")
    for c in ("source", "rows", "matched", "ambiguous", "unmatched", "matched %"):
        m.add_column(c, justify="left" if c == "source" else "right")
    for s in result["match_stats"]:
        if not s["rows"]:
            continue  # a feed that sent nothing this period
        m.add_row(
            s["source"],
            str(s["rows"]),
            str(s["matched"]),
            str(s["ambiguous"]),
            str(s["unmatched"]),
            f"{100 * s['match_rate']:.1f}",
        )
    console.print(m)
    w = warnings_by_township(settings, result["period"])
    if w.height:
        pivot = w.pivot(
            on="cause_label", index="township", values="warnings", aggregate_function="sum"
        ).fill_null(0)
        pt = Table(
            title=f"预警 / warnings by township and cause ({result['warnings']} warnings, {result['households']} households)"
        )
        for c in pivot.columns:
            pt.add_column(c, justify="left" if c == "township" else "right")
        for row in pivot.iter_rows():
            pt.add_row(*(str(v) for v in row))
        console.print(pt)
    notice = later_periods_notice(result["period"], result.get("later_screened", []))
    if notice:
        console.print(f"[yellow]↻ {notice}[/]", soft_wrap=True)
    quality = result.get("quality_reports", [])
    if quality:
        console.print(
            f"数据质量反馈 / data-quality reports for departments ({len(quality)}) → {Path(quality[0]).parent}"
        )
    console.print(f"县级汇总 / county summary → {result['county_summary']}")
    console.print(f"分析副本 / analysts' read-only copy → {result.get('published', '')}")
    console.print(f"done in {elapsed:.1f} s; warehouse: {settings.warehouse}")
    # Last, because it is what the officer sends out: the township workbooks.
    console.print(
        f"[bold green]乡镇核实表 / township workbooks ({len(result['township_workbooks'])})[/] → "
        f"{Path(result['county_summary']).parent}"
    )
    for p in result["township_workbooks"]:
        console.print(f"  {Path(p).name}")


@app.command()
def run(
    period: str | None = typer.Option(None, help="Period YYYY-MM to screen (default: this month)."),
    data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
    warehouse: Path | None = typer.Option(None, help="DuckDB file (default <data>/warehouse.duckdb)."),
    rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules)."),
    mask_ids: bool = typer.Option(False, "--mask-ids", help="Mask ID numbers in township workbooks."),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    allow_missing: bool = typer.Option(
        False, "--allow-missing", help="Go ahead although a department's data is missing this period."
    ),
) -> None:
    """Run the monthly screening flow: ingest, match, rules, workbooks. 运行月度比对预警。"""
    _prefect_env()
    from pipelines.flows.monthly import monthly_screening

    p = _period(period)
    settings = Settings.load(data_dir=data_dir, warehouse=warehouse, rules_dir=rules_dir, mask_ids=mask_ids)
    from pipelines import progress
    from pipelines.analyst import CorruptWarehouse
    from pipelines.registry import RegistryMissing
    from pipelines.warehouse import WarehouseBusy

    started = time.perf_counter()
    console.print(f"月度比对 / monthly screening {p} — data {settings.data_dir}")
    labels = {
        "ingest": "读取入库 ingest",
        "match": "匹配 match",
        "rules": "规则 rules",
        "export": "核实表 workbooks",
        "publish": "发布 publish",
    }
    with console.status("启动 Prefect / starting Prefect…") as status:

        def show(stage: str, message: str) -> None:
            label = labels.get(stage, stage)
            if message.startswith("done in"):
                console.print(f"[green]✓[/] {label}: {message}")
            elif message.startswith("failed after"):
                console.print(f"[red]✗[/] {label}: 失败 / {message}")
            else:
                status.update(f"{label}: {message}")

        _preflight(settings, debug)
        progress.subscribe(show)
        try:
            result = monthly_screening(
                period=p,
                data_dir=str(settings.data_dir),
                warehouse=str(settings.warehouse),
                rules_dir=str(settings.rules_dir),
                mask_ids=mask_ids,
                allow_missing=allow_missing,
            )
        except WarehouseBusy as exc:
            console.print(f"[red]数据仓库正被占用，未运行 / the warehouse is busy, nothing was run:[/] {exc}")
            raise typer.Exit(3) from exc
        except CorruptWarehouse as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(4) from exc
        except RegistryMissing as exc:
            if debug:
                raise
            _say_no_registry(settings)
            raise typer.Exit(2) from exc
        except PermissionError as exc:
            if debug:
                raise
            console.print(
                f"[red]✗ 无法写入 / cannot write:[/] {exc.filename or exc} — 请检查该文件夹的写入权限，"
                "或用 --data-dir 指定可写的数据目录 | check write access or pass --data-dir"
            )
            raise typer.Exit(2) from exc
        finally:
            progress.unsubscribe(show)
    if result.get("stopped"):
        _print_deliveries(result)
        for reason in result["blocking"]:
            console.print(f"[red]✗ {reason}[/]")
        if result.get("fatal"):
            console.print(
                "[red]没有可用的登记名册，未生成核实表 / no readable registry, no workbooks were written.[/] "
                "请从防返贫监测信息系统重新导出名册（XLSX/CSV）放进 registry 文件夹后重新运行 | export the "
                "registry again into the registry folder and run again",
                soft_wrap=True,
            )
            raise typer.Exit(5)
        console.print(
            "[red]本期数据不全，未生成核实表 / data missing this period, no workbooks were written.[/] "
            "补齐后重新运行；确需先行下发，请加 --allow-missing（核实表封面将注明缺少的部门） | "
            "complete the inbox and run again, or pass --allow-missing"
        )
        raise typer.Exit(5)
    _print_summary(result, settings, time.perf_counter() - started)


def _say_no_registry(settings: Settings) -> None:
    folder = settings.data_dir / "registry"
    console.print(
        f"[red]✗ 没有登记名册，未运行 / no registry, nothing was run:[/] 请把防返贫监测系统导出的名册"
        f"（XLSX/CSV）放进 {folder} 后重新运行 | put the registry export in {folder} and run again"
    )


def _has_registry(settings: Settings) -> bool:
    """A registry export in data/registry/, or one loaded by an earlier run."""
    folder = settings.data_dir / "registry"
    if folder.is_dir() and any(p.is_file() and not p.name.startswith(("~$", ".")) for p in folder.iterdir()):
        return True
    if not settings.warehouse.exists():
        return False
    import duckdb

    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            return bool(
                con.sql("SELECT count(*) FROM meta.batches WHERE source = 'registry'").fetchall()[0][0]
            )
    except duckdb.Error:
        return True  # busy or older: the run itself will say


def _check_folders(settings: Settings, debug: bool) -> None:
    """The data folder is a folder, the output folder can be written, the warehouse can be opened: each
    failure is one bilingual line naming the path and the fix (exit 2; 3 while another run holds the
    warehouse; 4 for a warehouse that is not a readable DuckDB file)."""
    import tempfile

    import duckdb

    data = settings.data_dir
    if data.exists() and not data.is_dir():
        console.print(
            f"[red]✗ 数据目录不是文件夹，未运行 / the data folder is not a folder, nothing was run:[/] {data} — "
            "用 --data-dir 指定数据目录（内含 registry/、inbox/） | pass --data-dir with the folder that "
            "holds registry/ and inbox/",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    out = data / "out"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-check-"):
            pass
    except OSError as exc:
        if debug:
            raise
        console.print(
            f"[red]✗ 无法写入输出目录，未运行 / cannot write the output folder, nothing was run:[/] {out} "
            f"({exc.strerror or exc}) — 请检查该文件夹（应为可写的文件夹），或用 --data-dir 指定可写的数据目录 | "
            "make it a writable folder, or pass --data-dir",
            soft_wrap=True,
        )
        raise typer.Exit(2) from exc
    wh = settings.warehouse
    if not wh.exists():
        return
    try:
        duckdb.connect(str(wh), read_only=True, config={"autoinstall_known_extensions": False}).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return  # another process holds it: the run waits for it, then says it is busy (exit 3)
        if debug:
            raise
        _say_unreadable_warehouse(wh, exc)
        raise typer.Exit(4) from exc
    except duckdb.Error as exc:
        if debug:
            raise
        _say_unreadable_warehouse(wh, exc)
        raise typer.Exit(4) from exc


def _say_unreadable_warehouse(wh: Path, exc: Exception) -> None:
    from pipelines.analyst import published_path

    reason = str(exc).splitlines()[0][:200]
    console.print(
        f"[red]✗ 数据仓库无法打开，未运行 / the warehouse cannot be opened, nothing was run:[/] {wh} ({reason}) — "
        f"可用分析副本 {published_path(wh)} 替换它，或将其移走后逐期重新运行 | restore it from the analysts' "
        "copy, or move it away and run each period again",
        soft_wrap=True,
    )


def _preflight(settings: Settings, debug: bool) -> None:
    """What the officer's own files must get right, checked before anything is loaded: the county's
    lexicon and calendar, the rules and their parameters. An error there is one line naming the file
    (and `--debug` shows the traceback); nothing was run."""
    from pipelines.ingest.lexicon import LexiconError, load_lexicon
    from pipelines.rulebook import load_parameters, load_rulebook
    from pipelines.workdays import CalendarError, load_calendar

    checks = (
        ("本县词表有误 / the county lexicon has an error", lambda: load_lexicon(settings.county_dir)),
        ("本县节假日文件有误 / the county calendar has an error", lambda: load_calendar(settings.county_dir)),
        (
            "预警规则有误 / the rules have an error",
            lambda: load_rulebook(
                settings.rules_dir, load_parameters(settings.rules_dir / "parameters.yaml")
            ),
        ),
    )
    _check_folders(settings, debug)
    if not _has_registry(settings):
        _say_no_registry(settings)
        raise typer.Exit(2)
    for what, check in checks:
        try:
            check()
        except (LexiconError, CalendarError, ValueError, OSError) as exc:
            if debug:
                raise
            console.print(f"[red]✗ {what}，未运行 / nothing was run:[/] {exc}", soft_wrap=True)
            if "rules" in what:
                console.print(f"  检查 / check: dixian rules check --rules-dir {settings.rules_dir}")
            raise typer.Exit(2) from exc


@app.command()
def demo(
    households: int = typer.Option(30000, min=10, help="Households in the synthetic county."),
    seed: int = typer.Option(20261, help="Random seed."),
    period: str | None = typer.Option(None, help="Period YYYY-MM (default: this month)."),
    data_dir: Path = typer.Option(
        Path("data"), help="Data folder; its registry/, inbox/, truth/, out/ and warehouse are replaced."
    ),
) -> None:
    """Synthetic county + the whole monthly flow, from scratch. 演示：生成模拟县并运行月度流程。"""
    p = _period(period)
    for sub in ("registry", "inbox", "truth", "out"):
        shutil.rmtree(data_dir / sub, ignore_errors=True)
    for f in data_dir.glob("warehouse.duckdb*"):
        f.unlink()
    synth(out=data_dir, households=households, seed=seed, period=p)
    run(
        period=p,
        data_dir=data_dir,
        warehouse=None,
        rules_dir=None,
        mask_ids=False,
        debug=False,
        allow_missing=False,
    )


@app.command()
def sql(
    query: str | None = typer.Argument(None, help="SQL to run; read from standard input when omitted."),
    data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
    csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    limit: int = typer.Option(200, help="Rows to show in the table (CSV prints all)."),
) -> None:
    """Query the published read-only copy of the warehouse (never blocks a running flow). 只读查询。"""
    import sys

    from pipelines.analyst import open_published

    settings = Settings.load(data_dir=data_dir)
    text = query if query is not None else sys.stdin.read()
    try:
        con = open_published(settings.warehouse)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    with con:
        try:
            frame = con.sql(text).pl()
        except Exception as exc:  # DuckDB raises many error types; the user needs the message
            console.print(f"[red]查询出错 / query failed:[/] {exc}")
            raise typer.Exit(2) from exc
    if csv:
        from pipelines.outputs import csv_safe

        sys.stdout.write(csv_safe(frame).write_csv())  # opened in Excel, a cell never runs as a formula
        return
    t = Table(title=f"{frame.height} rows")
    for c in frame.columns:
        t.add_column(c)
    for row in frame.head(limit).iter_rows():
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)


@app.command()
def serve(
    prefect_yaml: Path = typer.Option(Path("prefect.yaml"), help="Deployments file."),
    port: int | None = typer.Option(None, help="Port for the local Prefect server (default: a free one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List deployments and next run times, then exit."),
) -> None:
    """Serve the scheduled deployments of prefect.yaml from this process. 定时运行。"""
    _prefect_env()
    from zoneinfo import ZoneInfo

    from pipelines.flows.serve import DeploymentSpecError, import_flow, load_specs, next_runs, serve_all

    try:
        specs = load_specs(prefect_yaml)
        for spec in specs:
            import_flow(spec.entrypoint, prefect_yaml.parent)
    except (OSError, DeploymentSpecError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    t = Table(title=f"{len(specs)} deployments — {prefect_yaml}")
    for c in (
        "deployment",
        "entrypoint",
        "schedule",
        "timezone",
        "next run (Asia/Shanghai)",
    ):
        t.add_column(c)
    for spec in specs:
        for sched in spec.schedules:
            nxt = next_runs(sched, 1)[0]
            t.add_row(
                spec.name,
                spec.entrypoint,
                sched.cron,
                sched.timezone,
                nxt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M %a"),
            )
    console.print(t)
    if dry_run:
        return
    console.print("starting a local Prefect server and serving; Ctrl-C stops both")
    serve_all(prefect_yaml, port, say=lambda line: console.print(line, soft_wrap=True))


@app.command("grid-report")
def grid_report(
    report_date: str | None = typer.Option(None, "--date", help="Report date YYYY-MM-DD (default: today)."),
    data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
) -> None:
    """Weekly grid report per township: visits, problems, monitored households not yet visited. 网格周报。"""
    _prefect_env()
    from pipelines.flows.weekly import weekly_grid_report

    settings = Settings.load(data_dir=data_dir)
    result = weekly_grid_report(report_date=report_date, data_dir=str(settings.data_dir))
    console.print(
        f"网格周报 / grid report {result['report_date']}: {result['monitored_unvisited']} monitored households not yet visited"
    )
    for p in result["workbooks"]:
        console.print(f"  {p}")


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


@rules_app.command("list")
def rules_list(rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules).")) -> None:
    """List every rule as a table. 列出全部规则。"""
    rulebook, _ = _load_rules(rules_dir)
    t = Table(title=f"{len(rulebook.rules)} rules")
    for c in ("id", "cause", "title", "source", "segments", "window", "per", "severity"):
        t.add_column(c)
    for r in rulebook.rules:
        t.add_row(r.id, r.cause_label, r.title, r.source, ",".join(r.segments), r.window, r.per, r.severity)
    console.print(t)


@rules_app.command("test")
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


@rules_app.command("explain")
def rules_explain(
    rule_id: str = typer.Argument(..., help="Rule id, e.g. ILL-001."),
    period: str | None = typer.Option(None, help="Period YYYY-MM for windows and parameters."),
    rules_dir: Path | None = typer.Option(None, help="Rules folder (default ./rules)."),
) -> None:
    """Show a rule, its parameters for the period and the compiled SQL. 解释规则。"""
    from pipelines.rulebook import compile_rule
    from pipelines.rulebook.parameters import format_value

    rulebook, params = _load_rules(rules_dir)
    p = _period(period)
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


@rules_app.command("check")
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


for _module in COMMAND_MODULES:
    import_module(_module).register(app)


def main() -> None:
    """The `dixian` entry point: a malformed county source file is one clear line, not a traceback
    (every command reads the data folder's catalogue when it loads its settings)."""
    from pipelines.outputs import UnsafeOutputPath
    from pipelines.seal import SealKeyError
    from pipelines.warehouse import WarehouseBusy
    from schemas.catalogue import CatalogueError

    try:
        app()
    except CatalogueError as exc:
        console.print(
            f"[red]本县数据来源定义有误，未运行 / a county source file has an error, nothing was run:[/] {exc}"
        )
        raise SystemExit(2) from exc
    except (SealKeyError, UnsafeOutputPath) as exc:  # a damaged key file, an output name refused
        console.print(f"[red]{exc}[/]")
        raise SystemExit(2) from exc
    except WarehouseBusy as exc:  # a run holds the warehouse: say so, in one line
        console.print(f"[red]数据仓库正被占用 / the warehouse is busy:[/] {exc}")
        raise SystemExit(3) from exc


if __name__ == "__main__":
    main()
