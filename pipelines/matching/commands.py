"""`dixian match FILE` (一键比对) and `dixian review export|import` (人工核对). Register with `register(app)`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import typer
from rich.console import Console

console = Console()
review_app = typer.Typer(
    help="Review queue: rows the matcher would not decide alone. 人工核对。", no_args_is_help=True
)


def _settings():
    from pipelines.settings import Settings

    return Settings.load()


def match(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV/XLSX with a name and/or ID column."
    ),
    registry: Path | None = typer.Option(
        None,
        "--registry",
        exists=True,
        dir_okay=False,
        help="Registry export to match against (default: warehouse).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Output .xlsx/.csv/.parquet (default: FILE_比对结果.xlsx)."
    ),
    id_col: str | None = typer.Option(
        None, "--id-col", help="Header of the ID number column (default: detected)."
    ),
    name_col: str | None = typer.Option(
        None, "--name-col", help="Header of the name column (default: detected)."
    ),
) -> None:
    """Match any list to the registry: every row and column kept, match columns appended. 一键比对。"""

    from pipelines import warehouse
    from pipelines.matching.adhoc import (
        OUTPUT_SUFFIXES,
        AdhocInputError,
        for_people,
        match_input,
        read_input,
        write_output,
    )
    from pipelines.matching.link import PERSON_COLUMNS
    from pipelines.registry import read_registry_file

    target = out or file.with_name(f"{file.stem}_比对结果.xlsx")
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise typer.BadParameter(
            f"--out: got {target.suffix or 'no extension'!r}; allowed {', '.join(OUTPUT_SUFFIXES)}",
            param_hint="--out",
        )
    # The registry file is read on a second thread while the list is read: both are mostly polars
    # work, which runs outside the GIL (1M x 1.5M: about 1.5 s of the whole run).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(read_registry_file, registry) if registry is not None else None
        try:
            data = read_input(file, id_col=id_col, name_col=name_col)
        except AdhocInputError as exc:
            console.print(f"[red]✗[/] {exc}", soft_wrap=True)
            raise typer.Exit(2) from exc
    if pending is not None:
        from pipelines.ingest.tables import IngestError

        try:
            persons = pending.result()
        except IngestError as exc:
            console.print(f"[red]✗[/] --registry {registry}: {exc.detail} | 登记名册无法读取", soft_wrap=True)
            raise typer.Exit(2) from exc
    else:
        settings = _settings()
        if not settings.warehouse.exists():
            console.print(
                f"[red]✗[/] no warehouse at {settings.warehouse}: run `dixian run` first or pass --registry"
            )
            raise typer.Exit(2)
        with warehouse.connect(settings.warehouse, read_only=True) as con:
            if not warehouse.table_exists(con, "core.persons"):
                console.print("[red]✗[/] core.persons is empty: load a registry first or pass --registry")
                raise typer.Exit(2)
            persons = con.sql(
                f"SELECT {', '.join('p.' + c.strip() for c in PERSON_COLUMNS.split(','))},"
                " h.household_type, h.monitoring_type"
                " FROM core.persons p LEFT JOIN core.households h USING (household_id)"
            ).pl()
    result = match_input(data, persons)
    # people open xlsx and csv: Chinese headers and words; parquet keeps the codes for scripts
    shown = result if target.suffix.lower() == ".parquet" else for_people(result, data.frame.columns)
    write_output(shown, target, id_columns=(data.roles.get("id_number", ""),))
    status_col = next(c for c in result.columns[data.frame.width :] if c.startswith("match_status"))
    counts = dict(result.get_column(status_col).value_counts().iter_rows())
    console.print(
        f"[green]✓[/] {result.height} rows → {target}  matched {counts.get('matched', 0)}, "
        f"to review {counts.get('ambiguous', 0)}, unmatched {counts.get('unmatched', 0)}  "
        f"(columns: {', '.join(f'{r}={c}' for r, c in data.roles.items())})"
    )


@review_app.command("export")
def review_export(
    period: str = typer.Option(..., "--period", help="Period YYYY-MM whose review queue to export."),
    out: Path | None = typer.Option(
        None, "--out", help="Output .xlsx (default data/out/<period>/待核对匹配_<period>.xlsx)."
    ),
) -> None:
    """Export the review queue: candidates side by side, a drop-down decision column. 导出待核对表。"""
    from pipelines import warehouse
    from pipelines.matching.review import export_review

    settings = _settings()
    target = out or settings.out_dir(period) / f"待核对匹配_{period}.xlsx"
    with warehouse.connect(settings.warehouse) as con:
        n = export_review(con, target, period)
    console.print(f"[green]✓[/] {n} rows to review → {target}")


@review_app.command("import")
def review_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The filled-in review workbook."),
    by: str = typer.Option("", "--by", help="Who decided (when the 核对人 column is empty)."),
) -> None:
    """Import review decisions; they apply on every later run before the matcher's tiers. 导入核对结论。"""
    from pipelines import warehouse
    from pipelines.matching.review import ReviewImportError, import_review

    settings = _settings()
    try:
        with warehouse.connect(settings.warehouse) as con:
            counts = import_review(con, file, decided_by=by)
    except ReviewImportError as exc:
        console.print(f"[red]✗[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    console.print(f"[green]✓[/] {counts} (decisions apply from the next `dixian run`)")


def register(app: typer.Typer) -> None:
    """Add `match` and `review export|import` to the dixian command."""
    app.command("match")(match)
    app.add_typer(review_app, name="review")
