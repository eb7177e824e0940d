"""`dixian ingest PATH... [--source NAME] [--json]`: load department files by hand, same code as the flow.

Registered by pipelines.cli through COMMAND_MODULES; heavy imports stay inside the command so that
`dixian --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(
        paths: list[Path] = typer.Argument(..., help="Files or folders to load (a folder: its files)."),
        source: str | None = typer.Option(
            None,
            "--source",
            help="Source name (medical_insurance, …). Default: the parent folder's name, else the headers.",
        ),
        period: str | None = typer.Option(
            None, help="Period YYYY-MM the files belong to (default: this month)."
        ),
        data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
        warehouse: Path | None = typer.Option(None, help="DuckDB file (default <data>/warehouse.duckdb)."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object per file on stdout."),
    ) -> None:
        """Load department files into the warehouse; every row accounted for. 导入部门数据文件。

        Exit status 1 when a file was refused (the others are still loaded)."""
        import json
        import sys

        from rich.console import Console
        from rich.table import Table

        from pipelines import warehouse as wh
        from pipelines.ingest.inbox import ingest_paths
        from pipelines.period import Period, PeriodError
        from pipelines.settings import Settings
        from schemas import ALL_SOURCES

        try:
            p = str(Period.parse(period)) if period else str(Period.current())
        except PeriodError as exc:
            raise typer.BadParameter(str(exc), param_hint="--period") from exc
        if source is not None and source not in ALL_SOURCES:
            raise typer.BadParameter(
                f"unknown source {source!r}; known: {', '.join(ALL_SOURCES)}", param_hint="--source"
            )
        missing = [str(x) for x in paths if not x.exists()]
        if missing:
            raise typer.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="PATH")
        settings = Settings.load(data_dir=data_dir, warehouse=warehouse)
        console = Console() if sys.stdout.isatty() else Console(width=140)

        def emit(account) -> None:
            if as_json:
                print(json.dumps(account.to_json(), ensure_ascii=False), flush=True)

        with wh.connect(settings.warehouse) as con:
            accounts = ingest_paths(con, paths, source, period=p, on_file=emit)
        if not as_json:
            t = Table(title=f"数据接收 / ingest — {p}")
            numbers = ("read", "loaded", "unchanged", "changed", "quarantined", "ignored")
            for c in ("file", "source", "status", *numbers):
                t.add_column(c, justify="right" if c in numbers else "left", overflow="fold")
            for a in accounts:
                row = a.to_json()
                t.add_row(
                    Path(row["file"]).name,
                    row["source"] or "?",
                    row["status"],
                    *(str(row[k]) for k in numbers),
                )
            console.print(t)
            # Whole-file problems below the table, one line each: they are long and must be read whole.
            for a in accounts:
                if a.status == "refused":
                    console.print(f"[red]✗ 未入库 / refused[/] {a.category}: {a.message}", soft_wrap=True)
        if any(a.status == "refused" for a in accounts):
            raise typer.Exit(1)
