"""prefect.yaml is loaded, every entrypoint imports, every schedule and parameter is valid."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipelines.flows.serve import DeploymentSpecError, import_flow, load_specs, next_runs

ROOT = Path(__file__).resolve().parents[2]
PREFECT_YAML = ROOT / "prefect.yaml"


def test_top_level_keys():
    data = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    assert {"name", "prefect-version", "deployments"} <= set(data)


@pytest.mark.parametrize("spec", load_specs(PREFECT_YAML), ids=lambda s: s.name)
def test_deployment_imports_and_parameters_match_the_flow(spec):
    flow = import_flow(spec.entrypoint, ROOT)
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(spec.parameters) <= accepted, (
        f"{spec.name}: unknown parameters {set(spec.parameters) - accepted}"
    )
    assert spec.schedules, f"{spec.name} has no schedule"
    for sched in spec.schedules:
        assert sched.timezone == "Asia/Shanghai"
        assert set(sched.parameters) <= accepted
        nxt = next_runs(sched, 2, after=datetime(2026, 11, 29, tzinfo=ZoneInfo("Asia/Shanghai")))
        assert nxt[0] < nxt[1]


def test_monthly_screening_runs_on_the_fifth_at_six_beijing_time():
    monthly = next(s for s in load_specs(PREFECT_YAML) if s.name == "monthly-screening")
    assert monthly.parameters["months_back"] == 1
    first = next_runs(
        monthly.schedules[0], 1, after=datetime(2026, 11, 29, tzinfo=ZoneInfo("Asia/Shanghai"))
    )[0]
    local = first.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 12, 5, 6, 0)


def test_unknown_schedule_keys_are_refused(tmp_path):
    bad = tmp_path / "prefect.yaml"
    bad.write_text(
        "deployments:\n  - name: x\n    entrypoint: pipelines/flows/monthly.py:monthly_screening\n"
        "    schedules:\n      - cron: '0 6 5 * *'\n        every: week\n",
        encoding="utf-8",
    )
    with pytest.raises(DeploymentSpecError, match="every"):
        load_specs(bad)


def test_a_bad_entrypoint_is_a_clear_error():
    with pytest.raises(DeploymentSpecError, match="does not import"):
        import_flow("pipelines/flows/nothing_here.py:flow", ROOT)


def test_the_served_ui_asks_for_its_api_where_the_server_listens():
    """`dixian serve` once printed a UI link whose page looked for its API on port 4200 while the
    server listened elsewhere (issue 15 item 5): the server's UI now reports its own API URL."""
    import socket

    import httpx

    from pipelines.flows.serve import _free_port, api_url, server_env, start_server, stop_server

    with socket.socket() as busy:  # the preferred port taken: another free one, and the UI follows it
        busy.bind(("127.0.0.1", 0))
        taken = busy.getsockname()[1]
        port = _free_port(preferred=taken)
        assert port != taken
    env = server_env(port, base={"PREFECT_API_URL": "http://elsewhere:4200/api"})
    assert env["PREFECT_UI_API_URL"] == api_url(port) and "PREFECT_API_URL" not in env
    server = start_server(port)
    try:
        settings = httpx.get(f"http://127.0.0.1:{port}/ui-settings", timeout=10).json()
    finally:
        stop_server(server)
    assert settings["api_url"] == f"http://127.0.0.1:{port}/api"


def test_served_deployments_carry_the_concurrency_limits_of_prefect_yaml():
    """What `dixian serve` hands to Prefect: each deployment with the limit its prefect.yaml entry sets."""
    from pipelines.flows.serve import load_specs, runner_deployments

    specs = load_specs(ROOT / "prefect.yaml")
    served = {d.name: d.concurrency_limit for d in runner_deployments(specs, ROOT)}
    assert served == {s.name: s.concurrency_limit for s in specs}
    assert served["monthly-screening"] == 1  # two monthly runs never overlap
