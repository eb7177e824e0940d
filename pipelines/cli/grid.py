"""`dixian grid-report`: the weekly grid report per township."""

from pathlib import Path

import typer

from pipelines.cli.common import console, prefect_env
from pipelines.settings import Settings


def grid_report(
    report_date: str | None = typer.Option(None, "--date", help="Report date YYYY-MM-DD (default: today)."),
    data_dir: Path | None = typer.Option(None, help="Data folder (default ./data or $DIXIAN_DATA)."),
) -> None:
    """Weekly grid report per township: visits, problems, monitored households not yet visited. 网格周报。"""
    prefect_env()
    from pipelines.flows.weekly import weekly_grid_report

    settings = Settings.load(data_dir=data_dir)
    result = weekly_grid_report(report_date=report_date, data_dir=str(settings.data_dir))
    console.print(
        f"网格周报 / grid report {result['report_date']}: {result['monitored_unvisited']} monitored households not yet visited"
    )
    for p in result["workbooks"]:
        console.print(f"  {p}")


def register(app: typer.Typer) -> None:
    """Add `grid-report`."""
    app.command("grid-report")(grid_report)
