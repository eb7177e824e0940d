"""`dixian serve`: the scheduled deployments of prefect.yaml, served from this process."""

from pathlib import Path

import typer
from rich.table import Table

from pipelines.cli.common import console, prefect_env


def serve(
    prefect_yaml: Path = typer.Option(Path("prefect.yaml"), help="Deployments file."),
    port: int | None = typer.Option(None, help="Port for the local Prefect server (default: a free one)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List deployments and next run times, then exit."),
) -> None:
    """Serve the scheduled deployments of prefect.yaml from this process. 定时运行。"""
    prefect_env()
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


def register(app: typer.Typer) -> None:
    """Add `serve`."""
    app.command()(serve)
