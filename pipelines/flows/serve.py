"""`dixian serve`: the deployments of prefect.yaml, scheduled, from one process with no set-up.

Schedules need a real Prefect API (the ephemeral one refuses to schedule, STACK.md), so serving
starts `prefect server start` on loopback, points this process at it and serves every deployment
with its cron schedules in their time zone. Stop with Ctrl-C: the server is stopped with it.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from prefect import Flow, serve
from prefect.schedules import Cron
from prefect.server.schemas.schedules import CronSchedule
from prefect.settings import PREFECT_API_URL, temporary_settings

SCHEDULE_KEYS = {"cron", "timezone", "parameters", "active", "day_or", "slug"}


class DeploymentSpecError(ValueError):
    """prefect.yaml names an entrypoint that does not import or a schedule that is not valid."""


@dataclass(frozen=True)
class ScheduleSpec:
    cron: str
    timezone: str
    parameters: dict[str, Any] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    description: str
    parameters: dict[str, Any]
    schedules: tuple[ScheduleSpec, ...]
    concurrency_limit: int | None = None


def load_specs(prefect_yaml: Path) -> list[DeploymentSpec]:
    """The deployments of prefect.yaml, validated (entrypoints are imported later)."""
    data = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))
    specs = []
    for d in data.get("deployments") or []:
        schedules = []
        for s in d.get("schedules") or []:
            unknown = set(s) - SCHEDULE_KEYS
            if unknown or "cron" not in s:
                raise DeploymentSpecError(
                    f"{prefect_yaml}: deployment {d.get('name')}: schedule {s} (unknown keys {sorted(unknown)})"
                )
            schedules.append(
                ScheduleSpec(
                    s["cron"],
                    s.get("timezone") or "UTC",
                    dict(s.get("parameters") or {}),
                    bool(s.get("active", True)),
                )
            )
        specs.append(
            DeploymentSpec(
                name=d["name"],
                entrypoint=d["entrypoint"],
                description=d.get("description", ""),
                parameters=dict(d.get("parameters") or {}),
                schedules=tuple(schedules),
                concurrency_limit=d.get("concurrency_limit"),
            )
        )
    return specs


def import_flow(entrypoint: str, root: Path) -> Flow:
    """`pipelines/flows/monthly.py:monthly_screening` → the flow object."""
    path, _, attr = entrypoint.partition(":")
    module = str(Path(path).with_suffix("")).replace("/", ".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise DeploymentSpecError(f"entrypoint {entrypoint!r} does not import: {exc}") from exc
    if not isinstance(obj, Flow):
        raise DeploymentSpecError(f"entrypoint {entrypoint!r} is not a Prefect flow")
    return obj


def next_runs(schedule: ScheduleSpec, n: int = 1, after: datetime | None = None) -> list[datetime]:
    """The next run times of a cron schedule, in its own time zone."""
    cron = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    return list(asyncio.run(cron.get_dates(n=n, start=after)))


PREFERRED_PORT = 4200
"""Prefect's usual port: links and `PREFECT_API_URL` stay the same from one serve to the next."""


def _free_port(preferred: int = PREFERRED_PORT) -> int:
    """`preferred` when nothing listens there, else any free port."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: it listens on `port`, and its UI asks for its API there too (left to
    itself the UI looks at the default port 4200, wherever the server really is)."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_UI_API_URL": api_url(port),
        }
    )
    env.pop("PREFECT_API_URL", None)  # the server is not a client of another server
    return env


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def start_server(port: int, timeout: float = 90.0) -> subprocess.Popen:
    """`prefect server start` on loopback; returns once its API answers."""
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True, env=server_env(port)
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"prefect server did not answer on port {port} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after a grace period (Prefect processes may ignore SIGTERM)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(grace)


def runner_deployments(specs: list[DeploymentSpec], root: Path) -> list:
    out = []
    for spec in specs:
        flow = import_flow(spec.entrypoint, root)
        schedules = [
            Cron(s.cron, timezone=s.timezone, parameters=s.parameters, active=s.active)
            for s in spec.schedules
        ]
        out.append(
            flow.to_deployment(
                name=spec.name,
                description=spec.description,
                parameters=spec.parameters,
                schedules=schedules,
                concurrency_limit=spec.concurrency_limit,
            )
        )
    return out


def serve_all(prefect_yaml: Path, port: int | None = None, say=print) -> None:
    """Start a local server and serve every deployment until interrupted; `say` gets the links."""
    root = prefect_yaml.parent
    deployments = runner_deployments(load_specs(prefect_yaml), root)
    port = port or _free_port()
    server = start_server(port)
    say(f"Prefect UI: http://127.0.0.1:{port}  (界面)")
    say(
        f"Prefect CLI in another terminal: export PREFECT_API_URL={api_url(port)}  then e.g. `prefect deployment ls`"
    )
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url(port)}):
            serve(*deployments)
    finally:
        stop_server(server)
