"""Match and warning quality against the synthetic county's ground truth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from rich.console import Console
from rich.table import Table

from schemas import department_sources


def decisions_with_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> pl.DataFrame:
    """One line per extract row: the pipeline's decision next to the true person and the dirt kind."""
    parts = []
    for source in department_sources():
        parts.append(
            con.sql(
                f"""SELECT '{source}' AS source, r.file, r.row_no, m.match_status, m.person_id, m.match_method
                    FROM raw.{source} r JOIN link.matches m ON m.source = '{source}' AND m.row_key = r.row_key"""
            ).pl()
        )
    decided = pl.concat(parts)
    truth = pl.read_csv(truth_dir / "extract_rows.csv", infer_schema=False).with_columns(
        pl.col("row_no").cast(pl.Int64)
    )
    # A row repeated within one file is ignored at ingest (文件内重复行): it has no decision of its own,
    # its first copy carries it. Count it there, not as a miss.
    repeated = con.sql("SELECT source, file, row_no FROM meta.ignored WHERE reason LIKE '文件内重复行%'").pl()
    truth = truth.join(repeated, on=["source", "file", "row_no"], how="anti")
    return truth.join(decided, on=["source", "file", "row_no"], how="left")


def match_quality(rows: pl.DataFrame) -> pl.DataFrame:
    """Precision, recall, F1 and review share of auto-matches, overall and by dirt kind.

    Recall's denominator: rows whose true person is in the registry; rows sent to review count as
    not matched."""
    scored = rows.with_columns(
        (pl.col("match_status") == "matched").alias("auto"),
        (pl.col("true_person_id").fill_null("") != "").alias("in_registry"),
        (pl.col("match_status") == "ambiguous").alias("review"),
    ).with_columns(
        (pl.col("auto") & (pl.col("person_id") == pl.col("true_person_id"))).fill_null(False).alias("correct")
    )

    def summarise(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.agg(
                pl.len().alias("rows"),
                pl.col("auto").sum().alias("auto_matched"),
                pl.col("correct").sum().alias("correct"),
                pl.col("in_registry").sum().alias("in_registry"),
                pl.col("review").mean().alias("review_share"),
            )
            .with_columns(
                (pl.col("correct") / pl.col("auto_matched")).fill_nan(None).alias("precision"),
                (pl.col("correct") / pl.col("in_registry")).fill_nan(None).alias("recall"),
            )
            .with_columns(
                (2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall"))).alias(
                    "f1"
                )
            )
        )

    by_kind = summarise(scored.group_by("dirt")).sort("dirt")
    overall = summarise(scored.with_columns(pl.lit("ALL").alias("dirt")).group_by("dirt"))
    return pl.concat([by_kind, overall])


def warning_quality(con: duckdb.DuckDBPyConnection, truth_dir: Path, period: str) -> dict[str, int]:
    expected = pl.read_csv(truth_dir / "expected_warnings.csv", infer_schema=False)
    got = con.sql("SELECT household_id, rule_id FROM warn.warnings WHERE period = ?", params=[period]).pl()
    hit = expected.join(got, on=["household_id", "rule_id"], how="semi")
    return {
        "expected": expected.height,
        "expected_reachable_by_id": expected.filter(pl.col("exact_reachable") == "true").height,
        "raised": got.height,
        "raised_and_expected": hit.height,
        "raised_not_expected": got.join(expected, on=["household_id", "rule_id"], how="anti").height,
    }


def fmt(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else ("–" if v is None else str(v))


def print_quality(console: Console, title: str, q: pl.DataFrame) -> None:
    cols = (
        "dirt",
        "rows",
        "auto_matched",
        "correct",
        "in_registry",
        "precision",
        "recall",
        "f1",
        "review_share",
    )
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="left" if c == "dirt" else "right")
    for row in q.select(cols).iter_rows():
        t.add_row(*(fmt(v) for v in row))
    console.print(t)
