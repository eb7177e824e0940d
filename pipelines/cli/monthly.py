"""`dixian synth`, `dixian run` and `dixian demo`: the monthly screening as county data officers run it."""

import shutil
import time
from pathlib import Path

import typer
from rich.table import Table

from pipelines.cli.common import console, parse_period, prefect_env
from pipelines.settings import Settings


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

    p = parse_period(period)
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
    from pipelines.reporting import later_periods_notice, warnings_by_township

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
    prefect_env()
    from pipelines.flows.monthly import monthly_screening

    p = parse_period(period)
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
    from pipelines.county import load_profile
    from pipelines.ingest.lexicon import LexiconError, load_lexicon
    from pipelines.rulebook import load_parameters, load_rulebook
    from pipelines.workdays import CalendarError, load_calendar

    checks = (
        ("本县词表有误 / the county lexicon has an error", lambda: load_lexicon(settings.county_dir)),
        ("本县节假日文件有误 / the county calendar has an error", lambda: load_calendar(settings.county_dir)),
        ("本县名称设置有误 / the county's names have an error", lambda: load_profile(settings.county_dir)),
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


def demo(
    households: int = typer.Option(30000, min=10, help="Households in the synthetic county."),
    seed: int = typer.Option(20261, help="Random seed."),
    period: str | None = typer.Option(None, help="Period YYYY-MM (default: this month)."),
    data_dir: Path = typer.Option(
        Path("data"), help="Data folder; its registry/, inbox/, truth/, out/ and warehouse are replaced."
    ),
) -> None:
    """Synthetic county + the whole monthly flow, from scratch. 演示：生成模拟县并运行月度流程。"""
    p = parse_period(period)
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


def register(app: typer.Typer) -> None:
    """Add `synth`, `run` and `demo`."""
    app.command()(synth)
    app.command()(run)
    app.command()(demo)
