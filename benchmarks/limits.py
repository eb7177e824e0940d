"""Run: python -m benchmarks.limits [--rows N].

Peak memory of loading one department CSV against its number of columns and its size (issue 13: memory
must grow linearly with the columns, and a file over a limit must be refused without being read). Each
file is loaded in its own process (`resource.getrusage` peak RSS), beside the bare polars + DuckDB floor
of benchmarks.ingest, and an XLSX zip bomb (3 GB unzipped) is offered to show it is refused at once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

HEAD = ["参保人姓名", "公民身份号码", "个人负担"]


def write_wide(path: Path, columns: int, rows: int) -> None:
    extra = [f"备注{i}" for i in range(columns - len(HEAD))]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(HEAD + extra) + "\n")
        for r in range(rows):
            fh.write(",".join([f"张{r % 997}", f"34172219{r % 80 + 20:02d}0101{r % 9000 + 1000:04d}", str(r % 5000)]
                              + [f"v{r % 13}"] * len(extra)) + "\n")  # fmt: skip


def write_bomb(path: Path, inflate_to: int) -> None:
    import xlsxwriter

    seed = path.with_name("seed.xlsx")
    wb = xlsxwriter.Workbook(str(seed))
    wb.add_worksheet().write_row(0, 0, HEAD)
    wb.close()
    src = zipfile.ZipFile(seed)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                with out.open(item.filename, "w", force_zip64=True) as member:
                    head, tail = data.split(b"<sheetData>", 1)
                    member.write(head + b"<sheetData>")
                    block = b" " * (1 << 24)
                    for _ in range(inflate_to // len(block)):
                        member.write(block)
                    member.write(tail)
                continue
            out.writestr(item.filename, data)


def _child(path: str) -> None:
    import resource

    from pipelines.ingest.inbox import ingest_paths
    from pipelines.warehouse import connect

    started = time.perf_counter()
    with connect(":memory:") as con:
        [a] = ingest_paths(con, [Path(path)], "medical_insurance", period="2026-11")
    print(json.dumps({
        "secs": time.perf_counter() - started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "status": a.status, "read": a.rows_read, "message": a.message[:90],
    }))  # fmt: skip


def _run(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.limits", "--child", str(path)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        _child(a.child)
        return
    table = Table(
        "file", "columns", "rows", "MB on disk", "status", "seconds", "peak MB", "MB per 100 columns"
    )
    with tempfile.TemporaryDirectory(prefix="dixian-limits-") as tmp:
        base = None
        for columns in (10, 100, 500, 1000, 2000):
            path = Path(tmp) / f"wide{columns}.csv"
            write_wide(path, columns, a.rows)
            r = _run(path)
            base = base or r["peak_mb"]
            per = (r["peak_mb"] - base) / max(columns - 10, 1) * 100 if columns > 10 else 0.0
            table.add_row(path.name, str(columns), f"{a.rows:,}", f"{path.stat().st_size / 1e6:.1f}", r["status"],
                          f"{r['secs']:.1f}", f"{r['peak_mb']:.0f}", f"{per:.0f}")  # fmt: skip
        bomb = Path(tmp) / "bomb.xlsx"
        write_bomb(bomb, 3 << 30)
        r = _run(bomb)
        table.add_row(bomb.name, "—", "—", f"{bomb.stat().st_size / 1e6:.1f}", r["status"], f"{r['secs']:.1f}",
                      f"{r['peak_mb']:.0f}", r["message"][:40])  # fmt: skip
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
