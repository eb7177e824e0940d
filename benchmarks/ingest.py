"""Run: python -m benchmarks.ingest [--csv-rows N] [--xlsx-rows N].

Ingest throughput: a 1,000,000-row medical-insurance CSV (with quoted "1,234.50" amounts), the same
without any quote, each beside the issue's floor (a bare polars.read_csv plus DuckDB CTAS of the same
file), and a 200,000-row XLSX,
each loaded into a fresh DuckDB file in its own process; prints rows per second and each process's
peak RSS (resource.getrusage). A second load of the CSV as a cumulative resend (every row unchanged)
times the versioning path. Files are generated in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "结算单号",
    "参保人姓名",
    "公民身份号码",
    "结算日期",
    "医疗机构",
    "疾病诊断",
    "总费用",
    "报销金额",
    "个人负担",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def _rows(n: int, quoted: bool, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        total = rng.randint(100, 90000) + rng.randint(0, 99) / 100
        own = round(total * rng.random() * 0.5, 2)
        amount = f'"{total:,.2f}"' if quoted and i % 10 == 0 else f"{total:.2f}"
        yield [
            f"JS{i:08d}",
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            f"341722{rng.randint(1940, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}",
            f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
            "石台县人民医院",
            rng.choice(["高血压", "糖尿病", "肺炎", "骨折", "脑梗死"]),
            amount,
            f"{total - own:.2f}",
            f"{own:.2f}",
        ]


def write_csv(path: Path, n: int, quoted: bool) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("石台县医疗保障局结算明细\n" + ",".join(HEADER) + "\n")
        for row in _rows(n, quoted):
            fh.write(",".join(row) + "\n")
        fh.write("合计,,,,,,,,\n")


def write_xlsx(path: Path, n: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("结算")
    ws.write_string(0, 0, "石台县医疗保障局结算明细")
    ws.write_row(1, 0, HEADER)
    for r, row in enumerate(_rows(n, quoted=False), start=2):
        for c, v in enumerate(row):
            if c >= 6:
                ws.write_number(r, c, float(v))
            else:
                ws.write_string(r, c, v)
    wb.close()


def _child(db: str, files: list[str]) -> None:
    """Load the files in this process (fresh memory accounting) and print one JSON line per file."""
    from pipelines.ingest.inbox import ingest_paths
    from pipelines.warehouse import connect

    with connect(db) as con:
        for f in files:
            started = time.perf_counter()
            [a] = ingest_paths(con, [Path(f)], "medical_insurance", period="2026-11")
            secs = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                json.dumps({"file": Path(f).name, "secs": secs, "peak_mb": peak, **a.to_json()}), flush=True
            )


def _baseline(db: str, file: str) -> None:
    """The floor the issue measures against: a bare polars.read_csv (every column text) plus a DuckDB
    CREATE TABLE … AS of that frame, in its own process."""
    import duckdb
    import polars as pl

    started = time.perf_counter()
    frame = pl.read_csv(file, infer_schema=False, skip_rows=1, truncate_ragged_lines=True)
    con = duckdb.connect(db)
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    con.close()
    secs = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = frame.height
    print(
        json.dumps(
            {"file": Path(file).name, "secs": secs, "peak_mb": peak, "read": n, "loaded": n, "unchanged": 0}
        )
    )


def _run(db: Path, files: list[Path], baseline: bool = False) -> list[dict]:
    flag = "--baseline-child" if baseline else "--child"
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", flag, str(db), *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1:])
        return
    if args.baseline_child:
        _baseline(*args.baseline_child)
        return

    from rich.console import Console
    from rich.table import Table

    results: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="dixian-bench-ingest-") as tmp:
        d = Path(tmp)
        quoted, plain, xlsx = d / "quoted.csv", d / "plain.csv", d / "big.xlsx"
        started = time.perf_counter()
        write_csv(quoted, args.csv_rows, quoted=True)
        write_csv(plain, args.csv_rows, quoted=False)
        write_xlsx(xlsx, args.xlsx_rows)
        generated = time.perf_counter() - started
        # the resend: same rows, other bytes (a different title) so the file hash differs
        resend = d / "resend.csv"
        resend.write_text(
            quoted.read_text(encoding="utf-8").replace("结算明细", "结算明细（累计）", 1), encoding="utf-8"
        )
        first, again = _run(d / "a.duckdb", [quoted, resend])
        base_quoted = _run(d / "base_q.duckdb", [quoted], baseline=True)[0]
        results += [(f"CSV {args.csv_rows:,} rows, 10% quoted", first), ("  … resent (all unchanged)", again)]
        results += [("  baseline: polars.read_csv (text) + DuckDB CTAS", base_quoted)]
        plain_run = _run(d / "b.duckdb", [plain])[0]
        base = _run(d / "base.duckdb", [plain], baseline=True)[0]
        results += [(f"CSV {args.csv_rows:,} rows, no quotes", plain_run)]
        results += [("  baseline: polars.read_csv (text) + DuckDB CTAS", base)]
        results += [(f"XLSX {args.xlsx_rows:,} rows", _run(d / "c.duckdb", [xlsx])[0])]

    t = Table(title=f"Ingest throughput (files generated in {generated:.1f} s)")
    for c in ("file", "rows read", "loaded", "unchanged", "seconds", "rows/s", "peak RSS MB"):
        t.add_column(c, justify="left" if c == "file" else "right")
    for label, r in results:
        t.add_row(
            label,
            f"{r['read']:,}",
            f"{r['loaded']:,}",
            f"{r['unchanged']:,}",
            f"{r['secs']:.1f}",
            f"{r['read'] / r['secs']:,.0f}",
            f"{r['peak_mb']:.0f}",
        )
    Console(width=120).print(t)
    for label, ours, floor in (("10%-quoted", first, base_quoted), ("no-quote", plain_run, base)):
        print(
            f"{label} CSV vs baseline: {ours['secs'] / floor['secs']:.1f}x wall time, "
            f"{ours['peak_mb'] / floor['peak_mb']:.1f}x peak memory (issue 11 target: <= 3x and <= 2x)"
        )


if __name__ == "__main__":
    main()
