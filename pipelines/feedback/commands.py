"""`dixian feedback import FILE... [--json]`: registered by pipelines.cli through COMMAND_MODULES."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the `feedback` command group to the `dixian` app."""
    feedback_app = typer.Typer(
        help="Township verification results: import returned workbooks. 核实结果回收。", no_args_is_help=True
    )

    @feedback_app.command("import")
    def import_cmd(
        files: list[Path] = typer.Argument(
            ..., exists=True, dir_okay=False, help="Returned workbooks (.xlsx)."
        ),
        period: str | None = typer.Option(
            None, help="Period YYYY-MM being collected (default: the latest screened period)."
        ),
        township: str | None = typer.Option(None, help="Township that sent the files (refuse others)."),
        data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
        warehouse: Path | None = typer.Option(None, help="DuckDB file (default <data>/warehouse.duckdb)."),
        as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
    ) -> None:
        """Import filled-in township workbooks; exit 1 if a file was refused or had rows with errors.
        导入乡镇报回的核实表。"""
        from rich.console import Console

        from pipelines import warehouse as wh
        from pipelines.analyst import publish, published_path
        from pipelines.feedback import import_feedback
        from pipelines.period import Period, PeriodError
        from pipelines.runlock import run_lock
        from pipelines.seal import load_key
        from pipelines.settings import Settings

        if period:
            try:
                period = str(Period.parse(period))
            except PeriodError as exc:
                raise typer.BadParameter(str(exc)) from exc
        settings = Settings.load(data_dir=data_dir, warehouse=warehouse)
        with run_lock(settings.warehouse):  # not during a run
            with wh.connect(settings.warehouse) as con:
                reports = import_feedback(
                    con, files, period=period, township=township, key=load_key(settings.county_dir)
                )
            # the analysts' copy shows the answers at once, not after the next monthly run
            republished = (
                publish(settings.warehouse)
                if any(r.status == "imported" for r in reports)
                and published_path(settings.warehouse).exists()
                else None
            )
        if as_json:
            typer.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
        else:
            console = Console()
            for r in reports:
                colour = {"imported": "green", "already_imported": "yellow", "refused": "red"}[r.status]
                console.print(f"[{colour}]{r.status}[/] {r.file}: {r.message_zh}\n    {r.message_en}")
                for issue in r.issues:
                    if issue.level != "pending" or len(r.issues) <= 50:
                        console.print(f"    - {issue}", markup=False)
            if republished is not None:
                console.print(f"[green]✓[/] 分析副本已更新 | analysts' copy republished → {republished}")
        if any(r.status == "refused" or r.rejected for r in reports):
            raise typer.Exit(1)

    app.add_typer(feedback_app, name="feedback")
