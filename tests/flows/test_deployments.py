"""prefect.yaml is loaded, every entrypoint imports, every schedule and parameter is valid."""

from __future__ import annotations

import inspect
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from pipelines.flows.serve import (
    DeploymentSpecError,
    import_flow,
    load_specs,
    next_runs,
    runner_deployments,
)

ROOT = Path(__file__).resolve().parents[2]
PREFECT_YAML = ROOT / "prefect.yaml"
BEIJING = ZoneInfo("Asia/Shanghai")
AFTER = datetime(2026, 11, 29, tzinfo=BEIJING)  # a Sunday
# What the README and issue 14 say each deployment does: its cron, and its next three runs after
# Sunday 29 November 2026, Beijing time. Monthly screening on the 5th at 06:00 (for the previous
# month), the grid report on Wednesdays at 07:00, returned workbooks imported every day at 18:00.
SCHEDULES = {
    "monthly-screening": ("0 6 5 * *", ["2026-12-05 06:00", "2027-01-05 06:00", "2027-02-05 06:00"]),
    "weekly-grid-report": ("0 7 * * 3", ["2026-12-02 07:00", "2026-12-09 07:00", "2026-12-16 07:00"]),
    "feedback-import": ("0 18 * * *", ["2026-11-29 18:00", "2026-11-30 18:00", "2026-12-01 18:00"]),
}


def _beijing(runs: list[datetime]) -> list[str]:
    return [r.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") for r in runs]


def _served(name: str):
    """The deployment `dixian serve` hands to Prefect for `name`."""
    (deployment,) = [d for d in runner_deployments(load_specs(PREFECT_YAML), ROOT) if d.name == name]
    return deployment


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
    cron, runs = SCHEDULES[spec.name]
    (sched,) = spec.schedules  # one schedule each, the one the README describes
    assert (sched.cron, sched.timezone, sched.active) == (cron, "Asia/Shanghai", True)
    assert set(sched.parameters) <= accepted
    assert _beijing(next_runs(sched, 3, after=AFTER)) == runs


def test_every_deployment_has_its_documented_schedule():
    assert {s.name for s in load_specs(PREFECT_YAML)} == set(SCHEDULES)
    weekly = next(s for s in load_specs(PREFECT_YAML) if s.name == "weekly-grid-report")
    runs = [r.astimezone(BEIJING) for r in next_runs(weekly.schedules[0], 8, after=AFTER)]
    assert {(r.strftime("%A"), r.hour, r.minute) for r in runs} == {("Wednesday", 7, 0)}
    assert [(b - a).days for a, b in pairwise(runs)] == [7] * 7


def test_served_schedules_are_those_of_prefect_yaml():
    """What the deployments get is what prefect.yaml says: cron, time zone, active, parameters."""
    data = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    written = {
        d["name"]: (d["parameters"], [(s["cron"], s["timezone"], s["active"]) for s in d["schedules"]])
        for d in data["deployments"]
    }
    served = {
        d.name: (
            d.parameters,
            [(s.schedule.cron, s.schedule.timezone, s.active) for s in d.schedules],
        )
        for d in runner_deployments(load_specs(PREFECT_YAML), ROOT)
    }
    assert served == written
    assert {name: crons[0][:2] for name, (_, crons) in served.items()} == {
        name: (cron, "Asia/Shanghai") for name, (cron, _) in SCHEDULES.items()
    }


def test_monthly_screening_runs_on_the_fifth_at_six_beijing_time():
    monthly = next(s for s in load_specs(PREFECT_YAML) if s.name == "monthly-screening")
    assert monthly.parameters["months_back"] == 1
    (served,) = _served("monthly-screening").schedules
    assert (served.schedule.cron, served.schedule.timezone) == ("0 6 5 * *", "Asia/Shanghai")
    runs = next_runs(monthly.schedules[0], 12, after=AFTER)
    # 06:00 in Beijing is 22:00 UTC the day before: the time zone is applied, not ignored
    assert runs[0].astimezone(ZoneInfo("UTC")) == datetime(2026, 12, 4, 22, 0, tzinfo=ZoneInfo("UTC"))
    local = [r.astimezone(BEIJING) for r in runs]
    assert [(r.year, r.month) for r in local] == [(2026, 12)] + [(2027, m) for m in range(1, 12)]
    assert {(r.day, r.hour, r.minute) for r in local} == {(5, 6, 0)}


@pytest.mark.slow
def test_the_scheduled_monthly_run_screens_the_previous_month(tmp_path, monkeypatch):
    """The run the schedule starts on 5 January 2027, with the deployment's own parameters, screens
    December 2026 (an empty data folder: the run stops after ingest and says which period)."""
    import pipelines.period as period_module
    from pipelines.flows.monthly import monthly_screening

    deployment = _served("monthly-screening")
    fire = next_runs(
        next(s for s in load_specs(PREFECT_YAML) if s.name == "monthly-screening").schedules[0],
        1,
        after=datetime(2026, 12, 20, tzinfo=BEIJING),
    )
    fire_day = fire[0].astimezone(BEIJING).date()
    assert fire_day == date(2027, 1, 5)

    class OnTheFifth(date):
        @classmethod
        def today(cls) -> date:
            return fire_day

    monkeypatch.setattr(period_module, "date", OnTheFifth)
    result = monthly_screening(**{**deployment.parameters, "data_dir": str(tmp_path)})
    assert (result["stopped"], result["period"]) == (True, "2026-12")


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
