"""`dixian ingest PATH... [--source NAME] [--json]`: load department files by hand, same code as the flow;
`dixian sources map FILE`: propose a column mapping for the officer to confirm once.

Registered by pipelines.cli through COMMAND_MODULES; heavy imports stay inside the command so that
`dixian --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    register_sources(app)

    @app.command("ingest")
    def ingest(
        paths: list[Path] = typer.Argument(..., help="Files or folders to load (a folder: its files)."),
        source: str | None = typer.Option(
            None,
            "--source",
            help="Source name (medical_insurance, …). Default: read from the folder, names, title and headers.",
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
        from pipelines.runlock import run_lock
        from pipelines.settings import Settings
        from schemas import all_sources

        try:
            p = str(Period.parse(period)) if period else str(Period.current())
        except PeriodError as exc:
            raise typer.BadParameter(str(exc), param_hint="--period") from exc
        settings = Settings.load(data_dir=data_dir, warehouse=warehouse)  # the county's own sources too
        if source is not None and source not in all_sources():
            raise typer.BadParameter(
                f"unknown source {source!r}; known: {', '.join(all_sources())}", param_hint="--source"
            )
        missing = [str(x) for x in paths if not x.exists()]
        if missing:
            raise typer.BadParameter(f"no such file or folder: {', '.join(missing)}", param_hint="PATH")
        console = Console() if sys.stdout.isatty() else Console(width=140)

        def emit(account) -> None:
            if as_json:
                print(json.dumps(account.to_json(), ensure_ascii=False), flush=True)

        from pipelines.ingest.lexicon import LexiconError, load_lexicon

        try:
            lexicon = load_lexicon(settings.county_dir)
        except LexiconError as exc:
            typer.echo(f"✗ the county lexicon has an error | 本县词表有误: {exc}", err=True)
            raise typer.Exit(2) from exc
        with run_lock(settings.warehouse), wh.connect(settings.warehouse) as con:  # not during a run
            accounts = ingest_paths(
                con,
                paths,
                source,
                period=p,
                on_file=emit,
                lexicon=lexicon,
                county_dir=settings.county_dir,
            )
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


def register_sources(app: typer.Typer) -> None:
    sources = typer.Typer(
        help="Department sources: how files are recognised. 数据来源与表头对应。", no_args_is_help=True
    )
    app.add_typer(sources, name="sources")

    @sources.command("list")
    def list_sources(
        data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
    ) -> None:
        """Every source this data folder knows: built-in and the county's own
        (<data>/county/sources/*.yaml). 列出数据来源（内置与本县自定义）。"""
        from rich.console import Console
        from rich.table import Table

        from pipelines.settings import Settings
        from schemas.catalogue import BUILTIN_SOURCES, load_catalogue

        settings = Settings.load(data_dir=data_dir)
        catalogue = load_catalogue(settings.county_dir)
        table = Table(
            "source", "部门 department", "类型 kind", "字段 fields", "必填 required", "定义 defined in"
        )
        for src, file in zip(catalogue.sources, catalogue.files, strict=True):
            origin = "built-in 内置" if Path(file).parent == BUILTIN_SOURCES else file
            required = "、".join(f.label for f in src.fields if f.required) or "—"
            table.add_row(src.name, src.department, src.kind, str(len(src.fields)), required, origin)
        Console(width=160).print(table)

    @sources.command("map")
    def map_file(
        file: Path = typer.Argument(..., help="A department file (CSV/XLSX/XLS)."),
        source: str | None = typer.Option(None, "--source", help="The source, if you know it."),
        data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
    ) -> None:
        """Write a mapping proposal (department, each header → field with confidence and samples) into
        <data>/county/mappings/ to correct once and confirm. 生成表头对应建议，核对后确认。"""
        from pipelines.ingest.detect import detect_source
        from pipelines.ingest.errors import IngestError
        from pipelines.ingest.header import header_map, read_header
        from pipelines.ingest.lexicon import load_lexicon
        from pipelines.ingest.mappings import proposal, write_proposal
        from pipelines.ingest.readers import read_any
        from pipelines.settings import Settings
        from schemas import all_sources, get_source

        if not file.is_file():
            raise typer.BadParameter(f"no such file: {file}", param_hint="FILE")
        settings = Settings.load(data_dir=data_dir)  # the county's own sources too
        if source is not None and source not in all_sources():
            raise typer.BadParameter(
                f"unknown source {source!r}; known: {', '.join(all_sources())}", param_hint="--source"
            )
        lexicon = load_lexicon(settings.county_dir)
        try:
            sheets = read_any(file)
        except IngestError as exc:
            typer.echo(f"✗ {file}: {exc.detail}", err=True)
            raise typer.Exit(2) from exc
        reason, candidates = "requested with dixian sources map", ()
        if source is None:
            try:
                found = detect_source(sheets, file, str(file), lexicon)
                source, reason = found.source, found.reason
            except IngestError as exc:
                reason, candidates = exc.detail, tuple(getattr(exc, "candidates", ()) or ())
                source = candidates[0] if candidates else None
        sheet = next((s for s in sheets if not s.skip_reason), sheets[0])
        header = None
        if source is not None:
            reading = read_header(sheet.grid, get_source(source), lexicon)
            header = header_map(sheet.grid, reading, get_source(source)) if reading is not None else None
        prop = proposal(sheet.grid, header, source, str(file), reason, candidates)
        path = write_proposal(settings.county_dir, prop)
        typer.echo(f"source: {source or '?'}  ({reason})")
        for item in prop["columns"]:
            typer.echo(
                f"  {item['header']} → {item['field'] or '—'}  {item['confidence']:.2f}  {item['samples'][:2]}"
            )
        typer.echo(
            f"✓ proposal written to {path}; correct it and set confirmed: true | 建议已写入，请核对后将 confirmed 改为 true"
        )
