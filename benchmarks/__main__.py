"""Run: python -m benchmarks [--households N] [--period YYYY-MM] [--seed S].

Times each stage of the monthly screening (without Prefect's start-up, which is constant), reports
peak memory, and scores matching and warnings against the synthetic county's ground truth.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from benchmarks.quality import decisions_with_truth, match_quality, print_quality, warning_quality
from pipelines import stages
from pipelines.settings import Settings
from pipelines.synth import generate_county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--period", default="2026-11")
    args = parser.parse_args()
    console = Console(width=140)
    timings: list[tuple[str, float]] = []

    def timed(label: str, fn):
        started = time.perf_counter()
        out = fn()
        timings.append((label, time.perf_counter() - started))
        return out

    with tempfile.TemporaryDirectory(prefix="dixian-bench-") as tmp:
        data = Path(tmp)
        synth = timed(
            "synth",
            lambda: generate_county(data, households=args.households, seed=args.seed, period=args.period),
        )
        settings = Settings.load(data_dir=data)
        accounts = timed("ingest", lambda: stages.stage_ingest(settings, args.period))
        matched = timed("match", lambda: stages.stage_match(settings, args.period))
        rules = timed("rules + warnings", lambda: stages.stage_rules(settings, args.period))
        timed("export", lambda: stages.stage_export(settings, args.period, accounts, matched["match_stats"]))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        t = Table(
            title=f"Monthly screening, {synth.households} households / {synth.persons} persons / "
            f"{sum(synth.rows_per_source.values())} extract rows"
        )
        t.add_column("stage")
        t.add_column("seconds", justify="right")
        for label, secs in timings:
            t.add_row(label, f"{secs:.2f}")
        t.add_row("total (without synth)", f"{sum(s for label, s in timings if label != 'synth'):.2f}")
        t.add_row("peak RSS (MB)", f"{peak_mb:.0f}")
        console.print(t)

        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            quality = match_quality(decisions_with_truth(con, data / "truth"))
            warn = warning_quality(con, data / "truth", args.period)
        print_quality(console, "Auto-match quality by kind of dirt (review counts as not matched)", quality)
        w = Table(title=f"Warnings vs ground truth ({rules['warnings']} raised)")
        w.add_column("measure")
        w.add_column("count", justify="right")
        for k, v in warn.items():
            w.add_row(k, str(v))
        console.print(w)


if __name__ == "__main__":
    main()
