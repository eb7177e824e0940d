"""The monthly screening flow: ingest → match → rules → workbooks. Thin: each task is a stage call."""

from __future__ import annotations

import uuid

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipelines import progress, reporting, runs, stages
from pipelines.period import Period
from pipelines.runlock import run_lock
from pipelines.settings import Settings


def _say_deadline(deadline: dict) -> None:
    """The deadline the townships were given, and a warning when it rests on weekdays alone."""
    emit = progress.reporter("export")
    emit(
        f"核实反馈截止日期 {deadline['due_date']}（{deadline['first_issued_on']}首次下发后"
        f"{deadline['working_days']}个工作日） | due {deadline['due_date']}"
    )
    if deadline["calendar_assumed_years"]:
        years = "、".join(str(y) for y in deadline["calendar_assumed_years"])
        message = (
            f"{years}年的法定节假日尚未知（chinese-calendar 未收录），截止日期只扣除了周末；"
            f"请在 data/county/calendar.yaml 中补充该年的 holidays / workdays | holidays of {years} unknown: "
            "weekends only; add them to data/county/calendar.yaml"
        )
        get_run_logger().warning(message)
        emit(message)


def _report(stage: str):
    logger = get_run_logger()
    emit = progress.reporter(stage)

    def both(message: str) -> None:
        logger.info(message)
        emit(message)

    return both


@task(name="ingest", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def ingest_task(settings: Settings, period: str) -> list[dict]:
    return stages.stage_ingest(settings, period, progress=_report("ingest"))


@task(name="match", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def match_task(settings: Settings, period: str) -> dict:
    return stages.stage_match(settings, period, progress=_report("match"))


@task(name="rules", cache_policy=NO_CACHE)
def rules_task(settings: Settings, period: str) -> dict:
    return stages.stage_rules(settings, period)


@task(name="export", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def export_task(
    settings: Settings, period: str, accounts: list[dict], match_stats: list[dict], deliveries: list[dict]
) -> dict:
    return stages.stage_export(settings, period, accounts, match_stats, deliveries=deliveries)


@task(name="publish", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def publish_task(settings: Settings) -> str:
    return stages.stage_publish(settings)


@flow(name="monthly-screening", log_prints=True)
def monthly_screening(
    period: str | None = None,
    data_dir: str | None = None,
    warehouse: str | None = None,
    rules_dir: str | None = None,
    mask_ids: bool | None = None,
    months_back: int = 0,
    allow_missing: bool = False,
) -> dict:
    """Screen one period: `period` (YYYY-MM), or the month `months_back` months before this one
    (the scheduled run on the 5th uses months_back=1: the previous month, whose data departments
    have sent by then). A period without any department file, or without an expected one, stops
    after ingest (result "stopped") unless `allow_missing`."""
    period = str(Period.parse(period)) if period else str(Period.current().shift(-months_back))
    settings = Settings.load(data_dir=data_dir, warehouse=warehouse, rules_dir=rules_dir, mask_ids=mask_ids)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    with run_lock(settings.warehouse):  # one run at a time for the whole run; a killed run frees it
        return _screen(settings, run_id, period, allow_missing)


def _screen(settings: Settings, run_id: str, period: str, allow_missing: bool) -> dict:
    runs.record_run(settings, run_id, period, "running")  # also closes runs a kill left "running"
    timings: dict[str, float] = {}
    try:
        # Timed here, in the flow body: task parameters may be copied, so tasks cannot fill a dict.
        with progress.timed("ingest", timings):
            accounts = ingest_task(settings, period)
        deliveries = stages.stage_deliveries(settings, period, accounts)
        if deliveries["fatal"] or (deliveries["blocking"] and not allow_missing):
            # the workbooks would look normal while holding other months' picture: stop, say why
            runs.record_run(settings, run_id, period, "stopped", {"blocking": deliveries["blocking"]})
            get_run_logger().warning("stopped: " + "; ".join(deliveries["blocking"]))
            return {"stopped": True, "period": period, "accounts": accounts, **deliveries}
        with progress.timed("match", timings):
            matched = match_task(settings, period)
        with progress.timed("rules", timings):
            rules = rules_task(settings, period)
        notice = reporting.later_periods_notice(period, rules.get("later_screened", []))
        if notice:
            get_run_logger().warning(notice)
            progress.reporter("rules")(notice)
        with progress.timed("export", timings):
            outputs = export_task(
                settings, period, accounts, matched["match_stats"], deliveries["deliveries"]
            )
        _say_deadline(outputs["deadline"])
        runs.record_run(settings, run_id, period, "completed", {**rules, **outputs})  # before publishing:
        # the analysts' copy shows this run completed
        with progress.timed("publish", timings):
            published = publish_task(settings)  # checks the warehouse first: a corrupt one is never published
    except Exception as exc:
        runs.record_run(settings, run_id, period, "failed", {"error": f"{type(exc).__name__}: {exc}"})
        raise
    create_table_artifact(
        key=f"screening-{period}",
        table=[
            {
                k: a[k]
                for k in (
                    "source",
                    "file",
                    "status",
                    "rows_read",
                    "rows_loaded",
                    "rows_quarantined",
                    "rows_ignored",
                )
            }
            for a in accounts
        ],
        description=f"Monthly screening {period}: {rules['warnings']} warnings for {rules['households']} households",
    )
    tables = reporting.run_summary_tables(settings, period)
    if tables["warnings_by_township_cause"]:
        create_table_artifact(
            key=f"warnings-{period}",
            table=tables["warnings_by_township_cause"],
            description=f"Warnings by township and cause, {period}",
        )
    create_table_artifact(
        key=f"overdue-{period}",
        table=tables["overdue_by_township"] or [{"township": "—", "overdue_warnings": 0}],
        description="Verifications past their due date, by township (all periods)",
    )
    return {
        "period": period,
        "run_id": run_id,
        "accounts": accounts,
        **matched,
        **rules,
        **outputs,
        "published": published,
        "timings": timings,
        "deliveries": deliveries["deliveries"],
        "blocking": deliveries["blocking"],
    }
