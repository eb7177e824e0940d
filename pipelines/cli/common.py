"""What every `dixian` command shares: the console, the offline Prefect settings, the period option."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from pipelines.period import Period, PeriodError

# Logs and CI have no terminal: a fixed, wider page keeps the Chinese tables readable there.
console = Console() if sys.stdout.isatty() else Console(width=140)


def prefect_env() -> None:
    """Run flows offline on Prefect's ephemeral server, state kept under ./.prefect."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def parse_period(value: str | None) -> str:
    """The period a command was given (strict YYYY-MM), else this month."""
    try:
        return str(Period.parse(value)) if value else str(Period.current())
    except PeriodError as exc:
        raise typer.BadParameter(str(exc)) from exc
