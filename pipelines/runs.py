"""meta.runs: one row per flow run, so an officer (and the next run) can tell what finished."""

from __future__ import annotations

import json

from pipelines import warehouse
from pipelines.settings import Settings


def record_run(
    settings: Settings, run_id: str, period: str, status: str, summary: dict | None = None
) -> None:
    """meta.runs: one row per flow run, inserted when it starts and completed when it ends."""
    with warehouse.connect(settings.warehouse) as con:
        if status == "running":
            # the caller holds the run lock (pipelines.runlock): any other run still "running" ended
            # without finishing (killed, machine off); this run redoes what it left undone
            con.execute(
                "UPDATE meta.runs SET status = 'interrupted', finished_at = current_timestamp,"
                " summary = ? WHERE status = 'running' AND run_id <> ?",
                [
                    json.dumps(
                        {
                            "error": "进程中断（被终止或停机），已由下一次运行补完 | the process ended without "
                            f"finishing; completed by run {run_id}"
                        },
                        ensure_ascii=False,
                    ),
                    run_id,
                ],
            )
            con.execute(
                "INSERT OR REPLACE INTO meta.runs VALUES (?, ?, current_timestamp, NULL, 'running', NULL)",
                [run_id, period],
            )
        else:
            con.execute(
                "UPDATE meta.runs SET finished_at = current_timestamp, status = ?, summary = ? WHERE run_id = ?",
                [status, json.dumps(summary or {}, ensure_ascii=False, default=str), run_id],
            )
