"""`dixian`: the command county data officers run. Messages are bilingual where it helps.

Every command lives in a module that exposes `register(app)` and imports its heavy dependencies inside the
command, so `dixian --help` stays fast; this package only assembles them, in `COMMAND_MODULES` order.
"""

from __future__ import annotations

from importlib import import_module

import typer

from pipelines.cli.common import console

app = typer.Typer(
    help="Dixian 底线 — departmental data matching and early warning against a return to poverty.",
    no_args_is_help=True,
)

COMMAND_MODULES: tuple[str, ...] = (
    "pipelines.cli.monthly",
    "pipelines.cli.query",
    "pipelines.cli.serve",
    "pipelines.cli.grid",
    "pipelines.cli.rules",
    "pipelines.ingest.commands",
    "pipelines.matching.commands",
    "pipelines.feedback.commands",
)
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


__all__ = ["app", "console", "main"]
