"""The daily feedback flow: import the township workbooks that came back, refresh the analysts' copy."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from pipelines import progress, stages
from pipelines.runlock import run_lock
from pipelines.settings import Settings


@task(name="import-returns", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def import_task(settings: Settings, folder: str | None) -> list[dict]:
    from pathlib import Path

    return stages.stage_feedback(settings, Path(folder) if folder else None)


@task(name="publish", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def publish_task(settings: Settings) -> str:
    return stages.stage_publish(settings)


@flow(name="feedback-import", log_prints=True)
def feedback_import(
    folder: str | None = None, data_dir: str | None = None, warehouse: str | None = None
) -> dict:
    """Import returned workbooks from `folder` (default <data>/returns/); files already imported apply nothing."""
    settings = Settings.load(data_dir=data_dir, warehouse=warehouse)
    with run_lock(settings.warehouse), progress.timed("feedback"):  # never between two stages of a run
        reports = import_task(settings, folder)
    logger = get_run_logger()
    for r in reports:
        logger.info(
            "%s: %s (applied %s, corrected %s, pending %s, rejected %s)",
            r.get("file"),
            r.get("status"),
            r.get("applied"),
            r.get("corrected"),
            r.get("pending"),
            r.get("rejected"),
        )
    if reports:
        create_table_artifact(
            key="feedback-import",
            table=[
                {
                    k: r.get(k)
                    for k in (
                        "file",
                        "township",
                        "period",
                        "status",
                        "applied",
                        "corrected",
                        "pending",
                        "rejected",
                    )
                }
                for r in reports
            ],
            description="Returned township workbooks imported today",
        )
    with progress.timed("publish"):
        published = publish_task(settings)
    return {"reports": reports, "published": published}
