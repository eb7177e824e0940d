"""Matching benchmark: quality by kind of dirt, speed and memory, against Splink 5 and exact-ID joins.

    python -m benchmarks.matching [--households 30000] [--workdir DIR] [--no-splink]
    python -m benchmarks.matching --big            # 1,000,000 persons × 1,500,000 rows (fresh process)
    python -m benchmarks.matching --big --splink   # the same, then Splink 5 on the same data

The county comes from pipelines.synth with ground truth, loaded by the real ingest. Bigger runs
replicate the registry and the rows in memory: replica k gives every ID a new address code whose
weighted MOD 11-2 sum equals the old one, so check characters — and every kind of dirt (typos,
transpositions, Excel damage, 15-digit numbers) — stay exactly as generated.
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl
from rich.console import Console
from rich.table import Table

from benchmarks.quality import fmt, match_quality, print_quality
from pipelines.normalize.idcard import WEIGHTS

PERSON_COLS = ["person_id", "household_id", "name", "id_norm", "name_fold", "name_pinyin", "township", "village",
               "group", "birth_date"]  # fmt: skip
ROW_COLS = ["row_key", "name", "id_number", "id_damaged", "address"]


def build_county(workdir: Path, households: int, seed: int, period: str) -> Path:
    """Synthesise and ingest once; later runs reuse workdir/warehouse.duckdb."""
    from pipelines import stages
    from pipelines.registry import build_core
    from pipelines.settings import Settings
    from pipelines.synth import generate_county
    from pipelines.warehouse import connect

    wh = workdir / "warehouse.duckdb"
    if (workdir / "truth" / "extract_rows.csv").exists() and wh.exists():
        return workdir
    generate_county(workdir, households=households, seed=seed, period=period)
    settings = Settings.load(data_dir=workdir)
    stages.stage_ingest(settings, period)
    with connect(settings.warehouse) as con:
        build_core(con)
    return workdir


def load(workdir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows with source/file/row_no/true_person_id/dirt, persons)."""
    from schemas import department_sources

    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables WHERE table_schema='raw'").fetchall()}  # fmt: skip
        parts = []
        for s in department_sources():
            if s not in tables:
                continue
            cols = {r[0] for r in con.sql(f"DESCRIBE raw.{s}").fetchall()}
            addr = "address" if "address" in cols else "NULL::VARCHAR AS address"
            parts.append(con.sql(f"SELECT '{s}' AS source, file, row_no, row_key, name, id_number, id_damaged, {addr} FROM raw.{s}").pl())  # fmt: skip
        persons = con.sql("SELECT " + ", ".join(f'"{c}"' for c in PERSON_COLS) + " FROM core.persons").pl()
    truth = pl.read_csv(workdir / "truth" / "extract_rows.csv", infer_schema=False).with_columns(
        pl.col("row_no").cast(pl.Int64)
    )
    rows = pl.concat(parts).join(
        truth.select("source", "file", "row_no", "true_person_id", "dirt"), on=["source", "file", "row_no"]
    )
    return rows, persons


def _code_map(codes: list[str], replicas: int) -> dict[tuple[int, str], str]:
    """(replica, 6-digit code) → a new code with the same weighted sum mod 11 (check chars unchanged)."""
    used = set(codes)
    out: dict[tuple[int, str], str] = {}
    for code in codes:
        residue = sum(int(d) * w for d, w in zip(code, WEIGHTS[:6], strict=True)) % 11
        pool = (
            f"{code[:3]}{n:03d}"
            for n in range(1000)
            if sum(int(d) * w for d, w in zip(f"{code[:3]}{n:03d}", WEIGHTS[:6], strict=True)) % 11 == residue
        )
        for k in range(1, replicas):
            alt = next(c for c in pool if c not in used)
            used.add(alt)
            out[(k, code)] = alt
    return out


def _with_typo_codes(mapping: dict[tuple[int, str], str], seen: set[str]) -> dict[tuple[int, str], str]:
    """mapping extended to codes typed with one digit wrong or two adjacent digits swapped: each
    such code (one edit from exactly one known code) maps to that code's replica code with the same
    edit, so in every replica the typo stays one edit from its own person's number, not from the
    original replica's."""
    known = sorted({c for _, c in mapping})
    replicas = sorted({k for k, _ in mapping})
    out = dict(mapping)
    for u in sorted(seen - set(known)):
        if len(u) != 6 or not u.isdigit():
            continue
        near = []
        for c in known:
            diff = [i for i in range(6) if u[i] != c[i]]
            if len(diff) == 1:
                near.append((c, "sub", diff[0]))
            elif (
                len(diff) == 2
                and diff[1] == diff[0] + 1
                and u[diff[0]] == c[diff[1]]
                and u[diff[1]] == c[diff[0]]
            ):
                near.append((c, "swap", diff[0]))
        if len(near) != 1:
            continue
        c, kind, i = near[0]
        for k in replicas:
            alt = list(mapping[(k, c)])
            if kind == "sub":
                alt[i] = u[i]
            else:
                alt[i], alt[i + 1] = alt[i + 1], alt[i]
            typo = "".join(alt)
            if typo != mapping[(k, c)]:
                out[(k, u)] = typo
    return out


_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _recode(col: str, k: int, mapping: dict[tuple[int, str], str]) -> pl.Expr:
    """Replace the leading address code of an ID text as it was typed — plain, full-width, '341 722'
    spaced, after a leading quote or (ideographic) space — keeping the way it was typed. A code the
    map does not know (a typo in the code itself) is left: that row's number stays one edit from
    the original replica's, as a typo is."""
    s = pl.col(col)
    lead = s.str.extract(r"^([^0-9０-９]*)", 1).fill_null("")
    body = s.str.slice(lead.str.len_chars())
    wide = body.str.slice(0, 1).str.contains("[０-９]")
    norm = body.str.normalize("NFKC")
    m = {c: a for (kk, c), a in mapping.items() if kk == k}
    plain_new = norm.str.slice(0, 6).replace_strict(m, default=None)
    spaced = (norm.str.slice(3, 1) == " ") & (norm.str.slice(0, 3) + norm.str.slice(4, 3)).replace_strict(
        m, default=None
    ).is_not_null()
    spaced_new = (norm.str.slice(0, 3) + norm.str.slice(4, 3)).replace_strict(m, default=None)
    widen = {a: a.translate(_FW) for a in m.values()}
    return (
        pl.when(plain_new.is_not_null() & wide)
        .then(lead + plain_new.replace_strict(widen, default=None) + body.str.slice(6))
        .when(plain_new.is_not_null())
        .then(lead + plain_new + body.str.slice(6))
        .when(spaced & wide)
        .then(
            lead
            + spaced_new.str.slice(0, 3).replace_strict(
                {a[:3]: a[:3].translate(_FW) for a in m.values()}, default=None
            )
            + body.str.slice(3, 1)
            + spaced_new.str.slice(3).replace_strict(
                {a[3:]: a[3:].translate(_FW) for a in m.values()}, default=None
            )
            + body.str.slice(7)
        )
        .when(spaced)
        .then(lead + spaced_new.str.slice(0, 3) + " " + spaced_new.str.slice(3) + body.str.slice(7))
        .otherwise(s)
    )


def replicate(rows: pl.DataFrame, persons: pl.DataFrame, n_persons: int, n_rows: int) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """Scale to about n_persons registry persons and n_rows rows (see module docstring)."""

    replicas = max(1, -(-n_persons // persons.height))
    codes = sorted(
        set(persons.get_column("id_norm").drop_nulls().str.slice(0, 6).to_list())
        | set(
            rows.get_column("id_number")
            .drop_nulls()
            .str.normalize("NFKC")
            .str.replace_all(r"\s", "")
            .str.slice(0, 6)
            .to_list()
        )
    )
    codes = [c for c in codes if c.isdigit() and len(c) == 6]
    mapping = _code_map(codes, replicas)
    ps, rs = [persons], [rows]
    for k in range(1, replicas):
        tag = f"~{k}"
        ps.append(
            persons.with_columns(
                (pl.col("person_id") + tag).alias("person_id"),
                (pl.col("household_id") + tag).alias("household_id"),
                _recode("id_norm", k, mapping).alias("id_norm"),
            )
        )
        rs.append(
            rows.with_columns(
                (pl.col("row_key") + tag).alias("row_key"),
                (pl.col("true_person_id") + tag).alias("true_person_id"),
                _recode("id_number", k, mapping).alias("id_number"),
                (pl.col("file") + tag).alias("file"),
            )
        )
    big_p = pl.concat(ps).head(n_persons)
    big_r = pl.concat(rs)
    # Rows whose true person fell off the registry's tail become strangers (truth says so).
    big_r = big_r.with_columns(
        pl.when(pl.col("true_person_id").is_in(big_p.get_column("person_id").implode()))
        .then(pl.col("true_person_id"))
        .alias("true_person_id")
    )
    reps = -(-n_rows // big_r.height)
    if reps > 1:
        big_r = pl.concat(
            [big_r.with_columns((pl.col("row_key") + f"#{j}").alias("row_key")) for j in range(reps)]
        )
    big_r = big_r.head(n_rows)
    return big_r, big_p


def exact_id_baseline(rows: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Exact join on a valid (or upgraded 15-digit) ID, nothing else."""
    from pipelines.normalize.idcard import USABLE_STATUSES, id_columns

    ids = rows.select("row_key", "id_damaged", *id_columns(pl.col("id_number"))).filter(
        pl.col("id_status").is_in(USABLE_STATUSES) & ~pl.col("id_damaged").fill_null(False)
    )
    hit = ids.join(persons.select("person_id", "id_norm"), on="id_norm").unique("row_key", keep="first")
    return (
        rows.select("row_key")
        .join(hit.select("row_key", "person_id"), on="row_key", how="left")
        .with_columns(
            pl.when(pl.col("person_id").is_not_null())
            .then(pl.lit("matched"))
            .otherwise(pl.lit("unmatched"))
            .alias("match_status")
        )
    )


def quality(rows: pl.DataFrame, decisions: pl.DataFrame) -> pl.DataFrame:
    joined = rows.select("row_key", "dirt", "true_person_id").join(
        decisions.select("row_key", "match_status", "person_id"), on="row_key", how="left"
    )
    return match_quality(joined)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(rows: pl.DataFrame, persons: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    from pipelines.matching.matcher import match_rows

    gc.collect()
    started = time.perf_counter()
    out = match_rows(rows.select(ROW_COLS), persons)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the synthetic county here (reused).")
    parser.add_argument("--rows", type=int, default=150_000, help="Rows for the scaled county run (0: skip).")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--big", action="store_true", help="Only the 1M persons × 1.5M rows run (speed, memory)."
    )
    parser.add_argument(
        "--splink",
        action="store_true",
        help="With --big: also run Splink 5 on the same data, after ours (needs >21 GB RAM here).",
    )
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="dixian-match-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        build_county(workdir, args.households, args.seed, args.period)
        rows, persons = load(workdir)
        if args.big:
            big_rows, big_persons = replicate(rows, persons, 1_000_000, 1_500_000)
            del rows, persons
            gc.collect()
            before = peak_mb()
            out, secs = run_ours(big_rows, big_persons)
            print_quality(console, f"1M × 1.5M: {big_persons.height} persons, {big_rows.height} rows — "
                          f"{secs:.1f} s, peak RSS {peak_mb():.0f} MB (data loaded: {before:.0f} MB)",
                          quality(big_rows, out).filter(pl.col("dirt") == "ALL"))  # fmt: skip
            if args.splink:
                from benchmarks.splink_baseline import run_splink

                del out
                gc.collect()
                sp, t = run_splink(big_rows.select(ROW_COLS), big_persons)
                print_quality(console, f"Splink 5 on the same data: train {t['train_s']:.1f} s + predict "
                              f"{t['predict_s']:.1f} s = {t['total_s']:.1f} s ({t['total_s'] / secs:.1f}× ours); "
                              f"process peak RSS now {peak_mb():.0f} MB",
                              quality(big_rows, sp).filter(pl.col("dirt") == "ALL"))  # fmt: skip
            return
        timings = Table(title=f"Speed at county scale ({persons.height} persons, {rows.height} rows)")
        for c in ("matcher", "seconds", "note"):
            timings.add_column(c)
        ours, secs = run_ours(rows, persons)
        timings.add_row("dixian (tiers 0–3)", f"{secs:.2f}", "normalise + 3 tiers + evidence")
        base = exact_id_baseline(rows, persons)
        results = {"dixian": quality(rows, ours), "exact ID": quality(rows, base)}
        if not args.no_splink:
            from benchmarks.splink_baseline import run_splink

            sp, t = run_splink(rows.select(ROW_COLS), persons)
            timings.add_row("splink 5 (EM)", f"{t['total_s']:.2f}", f"train {t['train_s']:.1f} s + predict {t['predict_s']:.1f} s")  # fmt: skip
            results["splink 5"] = quality(rows, sp)
        if args.rows:
            r2, p2 = replicate(rows, persons, persons.height, args.rows)
            out2, secs2 = run_ours(r2, p2)
            timings.add_row(f"dixian, {r2.height} rows", f"{secs2:.2f}", "rows replicated in memory")
            results[f"dixian {r2.height} rows"] = quality(r2, out2)
        console.print(timings)
        print_quality(console, "dixian: auto-match quality by kind of dirt (review counts as not matched)", results["dixian"])  # fmt: skip
        summary = Table(title="All rows: dixian vs Splink 5 vs exact-ID join")
        for c in (
            "matcher",
            "auto_matched",
            "correct",
            "in_registry",
            "precision",
            "recall",
            "f1",
            "review_share",
        ):
            summary.add_column(c, justify="right")
        for name, q in results.items():
            row = q.filter(pl.col("dirt") == "ALL").row(0, named=True)
            summary.add_row(name, *(fmt(row[c]) for c in ("auto_matched", "correct", "in_registry", "precision", "recall", "f1", "review_share")))  # fmt: skip
        console.print(summary)
        console.print(f"peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
