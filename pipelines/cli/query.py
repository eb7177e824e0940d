"""`dixian sql`: analysts' queries on the published read-only copy."""

from pathlib import Path

import typer
from rich.table import Table

from pipelines.cli.common import console
from pipelines.settings import Settings


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


def register(app: typer.Typer) -> None:
    """Add `sql`."""
    app.command()(sql)
