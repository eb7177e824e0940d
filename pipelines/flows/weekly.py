"""The weekly grid report flow (Wednesdays): load new ledgers, match them, write township reports."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from pipelines import progress, stages
from pipelines.period import Period
from pipelines.runlock import run_lock
from pipelines.settings import Settings


@task(name="ingest", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def ingest_task(settings: Settings, period: str) -> list[dict]:
    return stages.stage_ingest(settings, period, progress=progress.reporter("ingest"))


@task(name="match", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def match_task(settings: Settings, period: str) -> dict:
    return stages.stage_match(settings, period, progress=progress.reporter("match"))


@task(name="grid-report", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def report_task(settings: Settings, report_date: date) -> dict:
    return stages.stage_grid_report(settings, report_date)


@flow(name="weekly-grid-report", log_prints=True)
def weekly_grid_report(
    report_date: str | None = None, data_dir: str | None = None, warehouse: str | None = None
) -> dict:
    """Report visits up to `report_date` (YYYY-MM-DD, default today) for that month."""
    day = date.fromisoformat(report_date) if report_date else date.today()
    period = str(Period(day.year, day.month))
    settings = Settings.load(data_dir=data_dir, warehouse=warehouse)
    with run_lock(settings.warehouse):  # never between two stages of the monthly run
        with progress.timed("ingest"):
            accounts = ingest_task(settings, period)
        with progress.timed("match"):
            match_task(settings, period)
        with progress.timed("grid-report"):
            result = report_task(settings, day)
    return {**result, "accounts": accounts}
