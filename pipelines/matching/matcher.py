"""Link department rows to registry persons, most certain tier first, every decision explained.

Tier 1 (this module): a usable ID number (valid, or a legacy 15-digit number upgraded) joined
exactly; the name is still compared and an ID hit with an unrelated name goes to review, never
auto-linked. Rows without a usable ID are left unmatched with the reason in words; the repair and
name+place tiers (DESIGN.md §5) plug in as further passes over the rows still unmatched.
"""

from __future__ import annotations

import polars as pl

from pipelines.matching.names import NAME_LEVELS, name_agreement_expr
from pipelines.normalize.idcard import USABLE_STATUSES, id_columns
from pipelines.normalize.names import add_name_keys

MATCH_COLUMNS = {
    "row_key": pl.String,
    "person_id": pl.String,
    "household_id": pl.String,
    "match_status": pl.String,
    "match_method": pl.String,
    "match_score": pl.Float64,
    "match_evidence": pl.String,
    "id_status": pl.String,
}

ID_STATUS_TEXT = {
    "missing": "未提供身份证号",
    "damaged": "身份证号被Excel存为数值，末几位已丢失，不能用于比对",
    "masked": "身份证号已脱敏，不能用于比对",
    "malformed": "身份证号格式错误",
    "bad_check": "身份证号校验位错误",
    "bad_date": "身份证号出生日期无效",
    "valid": "身份证号有效但不在登记人口中",
    "legacy15": "15位旧身份证号换算后不在登记人口中",
}

# Auto-match scores, calibrated by how often each kind of evidence is wrong (higher = more certain).
SCORES = {"same": 1.0, "homophone": 0.95, "absent": 0.9, "similar": 0.85, "different": 0.4}


def prepare_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """rows: row_key, name, id_number, id_damaged → adds id_norm, id_status, name_fold, name_pinyin."""
    out = rows.with_columns(id_columns(pl.col("id_number")))
    out = out.with_columns(
        pl.when(pl.col("id_damaged").fill_null(False))
        .then(pl.lit("damaged"))
        .otherwise(pl.col("id_status"))
        .alias("id_status"),
        pl.when(pl.col("id_damaged").fill_null(False))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col("id_norm"))
        .alias("id_norm"),
    )
    return add_name_keys(out, "name", "name")


def _exact_tier(rows: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    reg = persons.select(
        "person_id",
        "household_id",
        pl.col("id_norm"),
        pl.col("name_fold").alias("reg_fold"),
        pl.col("name_pinyin").alias("reg_pinyin"),
        pl.col("name").alias("reg_name"),
    ).filter(pl.col("id_norm").is_not_null())
    usable = rows.filter(pl.col("id_status").is_in(USABLE_STATUSES))
    hits = usable.join(reg, on="id_norm", how="inner")
    if hits.height == 0:
        return pl.DataFrame(schema=MATCH_COLUMNS)
    hits = hits.with_columns(
        name_agreement_expr().alias("level"), pl.len().over("row_key").alias("n_candidates")
    ).sort("row_key", "person_id")
    # The same ID on two registry persons is a registry error: never pick one silently.
    hits = hits.unique("row_key", keep="first", maintain_order=True).with_columns(
        pl.when(pl.col("n_candidates") > 1)
        .then(pl.lit("different"))
        .otherwise(pl.col("level"))
        .alias("level"),
        pl.when(pl.col("n_candidates") > 1)
        .then(pl.lit("（该号码在登记人口中重复）"))
        .otherwise(pl.lit(""))
        .alias("dup_note"),
    )
    id_text = (
        pl.when(pl.col("id_status") == "legacy15")
        .then(pl.lit("15位旧身份证号换算后一致"))
        .otherwise(pl.lit("身份证号一致"))
    )
    accepted = pl.col("level") != "different"
    return hits.select(
        "row_key",
        "person_id",
        "household_id",
        pl.when(accepted).then(pl.lit("matched")).otherwise(pl.lit("ambiguous")).alias("match_status"),
        pl.lit("id_exact").alias("match_method"),
        pl.col("level").replace_strict(SCORES, return_dtype=pl.Float64).alias("match_score"),
        pl.when(accepted)
        .then(id_text + "，" + pl.col("level").replace_strict(NAME_LEVELS, return_dtype=pl.String))
        .otherwise(
            id_text + pl.col("dup_note") + "，但姓名不符（登记为" + pl.col("reg_name") + "），需人工核对"
        )
        .alias("match_evidence"),
        "id_status",
    )


def match_rows(rows: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """One decision per row: matched / ambiguous (to review) / unmatched, with method, score, evidence.

    rows: row_key, name, id_number, id_damaged. persons: person_id, household_id, name, id_norm,
    name_fold, name_pinyin (core.persons).
    """
    prepared = prepare_rows(rows)
    decided = _exact_tier(prepared, persons)
    rest = prepared.join(decided.select("row_key"), on="row_key", how="anti")
    unmatched = rest.select(
        "row_key",
        pl.lit(None, dtype=pl.String).alias("person_id"),
        pl.lit(None, dtype=pl.String).alias("household_id"),
        pl.lit("unmatched").alias("match_status"),
        pl.lit("none").alias("match_method"),
        pl.lit(0.0).alias("match_score"),
        pl.col("id_status")
        .replace_strict(ID_STATUS_TEXT, default="无法比对", return_dtype=pl.String)
        .alias("match_evidence"),
        "id_status",
    )
    return pl.concat([decided.cast(MATCH_COLUMNS), unmatched.cast(MATCH_COLUMNS)]).sort("row_key")
