"""Link department rows to registry persons, most certain tier first, every decision explained.

0. A reviewer's remembered decision for the same row content (name, ID text, address) applies first.
1. id_exact — a usable ID (valid, or a legacy 15-digit number upgraded) joined exactly; the name is
   still compared and an ID hit with an unrelated name goes to review, never auto-linked.
2. id_repair — an ID that fails its check digit, one substitution or one adjacent transposition
   from a registry ID, confirmed by the name (same or homophone); the evidence names the digit.
   A number that passes its check but is not in the registry is somebody else: never repaired.
3. name_place — no usable ID (missing, damaged by Excel, masked, malformed, or unrepairable): the
   name (folded or homophone) blocks, then the damaged ID's surviving digits, a masked ID's visible
   digits, the birth date and the township / village / group from the address must not contradict.
   A candidate is auto-matched only when it is the single plausible one AND something besides the
   name ties it (ID digits, birth date, or a village-level address); otherwise the row goes to
   review with its candidates. 同名同姓 in the same place always goes to review.

Blocking keeps this near-linear: tier 1 and 2 are hash joins on the ID (≤35 repair variants per bad
ID), tier 3 a hash join on the name's pinyin key for the few rows without a usable ID, run in DuckDB
with the place / birth-date conditions applied inside the join so a common name's thousands of
namesakes in a million persons are never materialised (54M same-pinyin pairs at 1M × 1.5M).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.matching.calibration import NamePlaceCheck, check_name_place
from pipelines.matching.id_repair import edit_text, repair_variants
from pipelines.matching.names import (
    NAME_LEVELS,
    RELATION_NAME,
    RELATION_OF_HEAD,
    add_name_level,
    add_relation_level,
    name_level_text,
    with_relation_anchor,
)
from pipelines.normalize.address import Gazetteer, add_group_no, add_place_columns
from pipelines.normalize.idcard import REPAIRABLE_STATUSES, USABLE_STATUSES, add_id_columns
from pipelines.normalize.names import add_name_keys

# DataFrame.cast(MATCH_COLUMNS) and cast(CANDIDATE_COLUMNS) carry `type: ignore[arg-type]`: polars types
# cast()'s argument as a Mapping keyed by str | Selector | DataType, and that invariant key rejects any
# dict[str, ...] although a dict of column names is what it reads at runtime (pola-rs/polars#14468).
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

CANDIDATE_COLUMNS = {
    "row_key": pl.String,
    "rank": pl.Int32,
    "person_id": pl.String,
    "household_id": pl.String,
    "candidate_note": pl.String,
}

DECISION_COLUMNS = {"fingerprint": pl.String, "person_id": pl.String, "note": pl.String}
"""A reviewer's decision: the row content it applies to and the person (null: not in the registry)."""

ID_STATUS_TEXT = {
    "missing": "未提供身份证号",
    "damaged": "身份证号被Excel存为数值，末几位已丢失",
    "masked": "身份证号已脱敏",
    "malformed": "身份证号格式错误",
    "bad_check": "身份证号校验位错误",
    "bad_date": "身份证号出生日期无效",
    "valid": "身份证号有效（校验通过）但不在登记人口中，应为他人，不按姓名匹配",
    "legacy15": "15位旧身份证号换算后不在登记人口中，应为他人，不按姓名匹配",
}

ZEROED_TEXT = "身份证号末三位为000（Excel按数值保存时丢失），只有前15位可比"

# match_score is the chance the link is right. Calibrated on ../shared/outside/match-dev (a registry
# holding part of the population, 150,000 department rows; `python -m benchmarks.match_dev` prints the
# reliability table): the Laplace-smoothed share of correct links, (correct + 1) / (links + 2), per
# method and level — id_exact same 80,449/80,449, homophone 2,540/2,540, dropped 1,348/1,348, masked
# 263/263; id_repair same 4,439/4,439, homophone 153/153; name_place at group level 4,140/4,211.
# Levels that data never linked (similar, relation, absent name; the head, ID-digit and birth-date
# ties) keep conservative priors until a month with them is scored.
SCORES = {
    "same": 1.0,
    "homophone": 0.9996,
    "dropped": 0.999,
    "masked": 0.996,
    "relation": 0.98,
    "similar": 0.95,
    "absent": 0.95,
    "different": 0.4,
}
REPAIR_SCORES = {"same": 0.9998, "homophone": 0.994}
PLACE_SCORES = {"id_digits": 0.98, "birth_date": 0.96, "head": 0.95}
"""Scores of name-tier links tied by more than the name and place; a name and a village group alone score
what calibration.check_name_place measured on the list."""
DECISION_SCORE = 0.99

PLACE_TEXT = {
    "group": "地址同村同组",
    "other_group": "地址同村但村民小组不同",
    "village": "地址同村",
    "township": "地址同乡镇",
    "none": "地址无法比对",
}


@dataclass(frozen=True)
class MatchResult:
    decisions: pl.DataFrame
    """One row per input row, columns MATCH_COLUMNS."""
    candidates: pl.DataFrame
    """For rows sent to review: their candidates, best first (CANDIDATE_COLUMNS)."""
    fingerprints: pl.DataFrame
    """row_key → fingerprint (folded name | cleaned ID text | address): what a decision is remembered by."""


def _ensure(frame: pl.DataFrame, columns: dict[str, type[pl.DataType] | pl.DataType]) -> pl.DataFrame:
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in columns.items() if c not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _clean_text(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.normalize("NFKC").str.replace_all(r"\s+", "").fill_null("")


def prepare_rows(rows: pl.DataFrame, persons: pl.DataFrame | None = None) -> pl.DataFrame:
    """rows: row_key, name, id_number [, id_damaged, address, birth_date] → adds id_norm, id_status,
    id_clean, name_fold, name_pinyin and the fingerprint a review decision is remembered by.

    persons: the registry, whose name keys are reused for the same names (fewer pypinyin calls)."""
    out = _ensure(
        rows,
        {
            "name": pl.String,
            "id_number": pl.String,
            "id_damaged": pl.Boolean,
            "address": pl.String,
            "birth_date": pl.Date,
            "named_head": pl.Boolean,
        },
    ).with_columns(
        pl.col("named_head").fill_null(False),
        pl.col("id_number").cast(pl.String),
        pl.col("address").cast(pl.String),
        pl.col("birth_date").cast(pl.Date, strict=False),
    )
    out = add_id_columns(out, "id_number", "id")
    damaged = pl.col("id_damaged").fill_null(False)
    out = out.with_columns(
        pl.when(damaged).then(pl.lit("damaged")).otherwise(pl.col("id_status")).alias("id_status"),
        pl.when(damaged).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col("id_norm")).alias("id_norm"),
        _clean_text("id_number").str.replace_all(r"[\-'‘’`]", "").str.to_uppercase().alias("id_clean"),
    )
    # An ID typed into Excel as a number keeps 15 significant digits; made text later it reads …000.
    # It may still pass its check by chance (1 in 11) or be one edit from somebody else's number: the
    # exact tier tries it as it stands, then the name tier compares the 15 digits Excel kept.
    out = out.with_columns(
        (
            pl.col("id_status").is_in(["valid", "bad_check"])
            & pl.col("id_clean").str.contains(r"^\d{15}000$")
        ).alias("id_zeroed")
    )
    out = add_name_keys(out, "name", "name", known=persons)
    return out.with_columns(
        (pl.col("name_fold").fill_null("") + "|" + pl.col("id_clean") + "|" + _clean_text("address")).alias(
            "fingerprint"
        )
    )


def _registry(persons: pl.DataFrame) -> pl.DataFrame:
    reg = _ensure(
        persons,
        {
            "township": pl.String,
            "village": pl.String,
            "group": pl.String,
            "birth_date": pl.Date,
            "relation": pl.String,
        },
    )
    reg = reg.select(
        "person_id",
        "household_id",
        pl.col("id_norm"),
        pl.col("name_fold").alias("reg_fold"),
        pl.col("name_pinyin").alias("reg_pinyin"),
        pl.col("name").alias("reg_name"),
        pl.col("township").alias("reg_township"),
        pl.col("village").alias("reg_village"),
        pl.col("group").cast(pl.String).alias("reg_group"),
        (pl.col("relation").cast(pl.String) == "户主").fill_null(False).alias("reg_head"),
        pl.coalesce(
            pl.col("birth_date").cast(pl.Date, strict=False),
            pl.col("id_norm").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False),
        ).alias("reg_birth"),
    )
    return add_group_no(reg, "reg_group", "reg_group_no")


def _members(persons: pl.DataFrame) -> pl.DataFrame:
    """household_id, person_id, name keys and 与户主关系: who lives with whom, for relation names."""
    frame = _ensure(persons, {"relation": pl.String})
    return frame.select(
        "household_id", "person_id", "name_fold", "name_pinyin", pl.col("relation").cast(pl.String)
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=MATCH_COLUMNS)


def _empty_candidates() -> pl.DataFrame:
    return pl.DataFrame(schema=CANDIDATE_COLUMNS)


def _decisions_tier(rows: pl.DataFrame, reg: pl.DataFrame, decisions: pl.DataFrame | None) -> pl.DataFrame:
    if decisions is None or decisions.height == 0:
        return _empty()
    known = decisions.select(list(DECISION_COLUMNS)).unique("fingerprint", keep="last")
    hits = rows.join(known, on="fingerprint", how="inner").join(
        reg.select("person_id", "household_id", "reg_name"), on="person_id", how="left"
    )
    # A decision naming a person no longer in the registry no longer applies: the tiers decide.
    hits = hits.filter(pl.col("person_id").is_null() | pl.col("household_id").is_not_null())
    note = (
        pl.when(pl.col("note").fill_null("") != "").then("（" + pl.col("note") + "）").otherwise(pl.lit(""))
    )
    return hits.select(
        "row_key",
        "person_id",
        "household_id",
        pl.when(pl.col("person_id").is_null())
        .then(pl.lit("unmatched"))
        .otherwise(pl.lit("matched"))
        .alias("match_status"),
        pl.lit("review_decision").alias("match_method"),
        pl.when(pl.col("person_id").is_null()).then(0.0).otherwise(DECISION_SCORE).alias("match_score"),
        pl.when(pl.col("person_id").is_null())
        .then("人工核对：不是登记人口中的人" + note)
        .otherwise("人工核对确认为" + pl.col("reg_name") + note)
        .alias("match_evidence"),
        "id_status",
    ).cast(MATCH_COLUMNS)  # type: ignore[arg-type]  # see MATCH_COLUMNS


def _exact_tier(
    rows: pl.DataFrame, reg: pl.DataFrame, members: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A usable ID found in the registry is the strongest evidence there is: the name only has to be
    compatible (any level but `different`: a character dropped, the surname alone, a relation name
    such as 江胜之子 whose anchor lives in that household)."""
    usable = rows.filter(pl.col("id_status").is_in(USABLE_STATUSES))
    hits = usable.join(reg.filter(pl.col("id_norm").is_not_null()), on="id_norm", how="inner")
    if hits.height == 0:
        return _empty(), _empty_candidates()
    hits = add_relation_level(add_name_level(hits), members)
    hits = hits.with_columns(pl.len().over("row_key").alias("n_candidates"))
    hits = hits.sort("row_key", "person_id")
    candidates = hits.filter((pl.col("n_candidates") > 1) | (pl.col("level") == "different")).select(
        "row_key",
        pl.int_range(1, pl.len() + 1).over("row_key").cast(pl.Int32).alias("rank"),
        "person_id",
        "household_id",
        ("身份证号一致，" + name_level_text()).alias("candidate_note"),
    )
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
    decided = hits.select(
        "row_key",
        "person_id",
        "household_id",
        pl.when(accepted).then(pl.lit("matched")).otherwise(pl.lit("ambiguous")).alias("match_status"),
        pl.lit("id_exact").alias("match_method"),
        pl.col("level").replace_strict(SCORES, return_dtype=pl.Float64).alias("match_score"),
        pl.when(accepted)
        .then(id_text + "，" + name_level_text())
        .otherwise(
            id_text + pl.col("dup_note") + "，但姓名不符（登记为" + pl.col("reg_name") + "），需人工核对"
        )
        .alias("match_evidence"),
        "id_status",
    )
    return decided.cast(MATCH_COLUMNS), candidates.cast(CANDIDATE_COLUMNS)  # type: ignore[arg-type]  # see MATCH_COLUMNS


def _repair_tier(rows: pl.DataFrame, reg: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    bad = rows.filter(pl.col("id_status").is_in(REPAIRABLE_STATUSES) & pl.col("id_norm").is_not_null())
    if bad.height == 0:
        return _empty(), _empty_candidates()
    variants = repair_variants(bad)
    hits = variants.join(reg.filter(pl.col("id_norm").is_not_null()), left_on="cand_id", right_on="id_norm")
    if hits.height == 0:
        return _empty(), _empty_candidates()
    hits = hits.join(
        bad.select("row_key", "name_fold", "name_pinyin", "id_status", "id_zeroed"), on="row_key"
    )
    hits = add_name_level(hits).with_columns(
        pl.col("level").is_in(["same", "homophone"]).alias("confirmed"),
        (edit_text() + "，" + name_level_text()).alias("why"),
    )
    hits = hits.unique(["row_key", "person_id"], keep="first").with_columns(
        pl.col("confirmed").sum().over("row_key").alias("n_confirmed"),
        pl.len().over("row_key").alias("n_candidates"),
    )
    # an Excel-zeroed number one edit from somebody of another name is no lead: the name tier compares
    # its 15 kept digits instead
    hits = hits.filter(~(_excel_zeroed() & (pl.col("n_confirmed") == 0)))
    if hits.height == 0:
        return _empty(), _empty_candidates()
    hits = hits.sort("row_key", pl.col("confirmed").not_(), pl.col("level") != "same", "person_id")
    candidates = hits.filter((pl.col("n_confirmed") != 1) | (pl.col("n_candidates") > 1)).select(
        "row_key",
        pl.int_range(1, pl.len() + 1).over("row_key").cast(pl.Int32).alias("rank"),
        "person_id",
        "household_id",
        (pl.col("why") + "（登记为" + pl.col("reg_name") + "）").alias("candidate_note"),
    )
    best = hits.unique("row_key", keep="first", maintain_order=True)
    auto = (pl.col("n_confirmed") == 1) & pl.col("confirmed")
    decided = best.select(
        "row_key",
        pl.when(auto).then(pl.col("person_id")).alias("person_id"),
        pl.when(auto).then(pl.col("household_id")).alias("household_id"),
        pl.when(auto).then(pl.lit("matched")).otherwise(pl.lit("ambiguous")).alias("match_status"),
        pl.lit("id_repair").alias("match_method"),
        pl.when(auto)
        .then(pl.col("level").replace_strict(REPAIR_SCORES, default=0.5, return_dtype=pl.Float64))
        .when(pl.col("n_confirmed") > 1)
        .then(0.9 / pl.col("n_confirmed"))
        .otherwise(pl.lit(0.3))
        .alias("match_score"),
        pl.when(auto)
        .then(pl.col("why"))
        .when(pl.col("n_confirmed") > 1)
        .then(
            "身份证号校验位错误，与登记人口中"
            + pl.col("n_confirmed").cast(pl.String)
            + "人的号码都只差一位且姓名相符，需人工核对"
        )
        .otherwise(pl.col("why") + "（登记为" + pl.col("reg_name") + "），姓名不足以确认，需人工核对")
        .alias("match_evidence"),
        "id_status",
    )
    return decided.cast(MATCH_COLUMNS), candidates.cast(CANDIDATE_COLUMNS)  # type: ignore[arg-type]  # see MATCH_COLUMNS


def _status_text(default: str) -> pl.Expr:
    """Why the row's ID did not decide it, in words."""
    return (
        pl.when(_excel_zeroed())
        .then(pl.lit(ZEROED_TEXT))
        .otherwise(
            pl.col("id_status").replace_strict(ID_STATUS_TEXT, default=default, return_dtype=pl.String)
        )
    )


def _excel_zeroed() -> pl.Expr:
    """Excel kept the first 15 digits and zeroed the last three (prepare_rows' id_zeroed)."""
    return pl.col("id_zeroed").fill_null(False)


def _damaged_range(rows: pl.DataFrame) -> pl.DataFrame:
    """For Excel-damaged IDs: the numeric value and how far the true number may lie from it.

    Excel keeps 15 significant digits (…071234 → …071000): ±500, plus float error. A number shown in
    scientific notation keeps only its mantissa digits (3.41722199E+17: ±5·10⁸)."""
    text = pl.col("id_clean")
    value = text.str.replace(r"\.0+$", "").cast(pl.Float64, strict=False)
    mantissa = text.str.extract(r"^\d\.(\d+)E", 1).str.len_chars()
    exponent = text.str.extract(r"E\+?(\d+)$", 1).cast(pl.Int32, strict=False)
    sci_tol = (pl.lit(10.0).pow(exponent - mantissa) * 0.5).cast(pl.Float64)
    # three zeroed digits, rounded (-500…+499) or cut off (0…+999): the true number lies in
    # [value - 500, value + 999], i.e. within 750 of value + 250
    zeroed = _excel_zeroed()
    tol = pl.when(mantissa.is_not_null()).then(sci_tol).when(zeroed).then(750.0).otherwise(600.0)
    damaged = (pl.col("id_status") == "damaged") | zeroed
    return rows.with_columns(
        pl.when(zeroed).then(value + 250).when(damaged).then(value).alias("dmg_value"),
        pl.when(damaged).then(tol).alias("dmg_tol"),
    )


def _id_contradicts() -> pl.Expr:
    """The row's unusable number (bad check, impossible date) differs from the candidate's in more than
    two places: somebody else's number, not a typo of this one (a typo is one or two places). An
    Excel-zeroed number is compared on the 15 digits Excel kept."""
    row, reg = pl.col("id_norm"), pl.col("reg_id")
    comparable = row.str.contains(r"^\d{17}[\dX]$") & reg.is_not_null() & ~_excel_zeroed()
    differing = pl.sum_horizontal(
        [(row.str.slice(i, 1) != reg.str.slice(i, 1)).cast(pl.Int32) for i in range(18)]
    )
    return (comparable & (differing > 2)).fill_null(False)


def _id_value(col: str) -> pl.Expr:
    s = pl.col(col)
    check = s.str.slice(17, 1).replace({"X": "10"}).cast(pl.Float64, strict=False)
    return s.str.slice(0, 17).cast(pl.Float64, strict=False) * 10 + check


_PAIR_SQL = """
SELECT r._ri, p._pi
FROM r JOIN p ON r.name_pinyin = p.reg_pinyin
 AND (r.addr_township IS NULL OR p.reg_township IS NULL OR r.addr_township = p.reg_township)
 AND (r.addr_village IS NULL OR p.reg_village IS NULL OR r.addr_village = p.reg_village)
 AND (r.row_birth IS NULL OR p.reg_birth IS NULL OR r.row_birth = p.reg_birth)
"""


def _name_place_pairs(named: pl.DataFrame, reg: pl.DataFrame, memory_limit: str = "1GB") -> pl.DataFrame:
    """Rows × registry persons with the same pinyin name whose township, village and birth date do not
    contradict (a different group is kept: departments get the group wrong, and a reviewer should see
    that namesake).

    The name alone explodes at scale (a common name has thousands of bearers in a million persons),
    so DuckDB streams the pinyin hash join through the place / birth-date conditions — the same ones
    _place_tier checks, null meaning "not known, no contradiction" — and only surviving pairs are
    materialised, within a bounded memory budget (DuckDB spills past it)."""
    keys = ["name_pinyin", "addr_township", "addr_village", "addr_group_no", "row_birth"]
    reg_keys = ["reg_pinyin", "reg_township", "reg_village", "reg_group_no", "reg_birth"]
    named = named.with_row_index("_ri")
    reg = reg.rename({"id_norm": "reg_id"}).with_row_index("_pi")
    with duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        # Spill to the system temp folder, never to ./.tmp in whatever directory the user runs from.
        spill = Path(tempfile.gettempdir()) / "dixian-duckdb-spill"
        con.execute(f"SET temp_directory = '{spill.as_posix()}'")
        con.execute("SET preserve_insertion_order = false")
        con.register("r", named.select("_ri", *keys))
        con.register("p", reg.select("_pi", *reg_keys))
        index = con.sql(_PAIR_SQL).pl()
    return (
        index.join(named, on="_ri", how="left")
        .join(reg.drop("reg_pinyin"), on="_pi", how="left")
        .drop("_ri", "_pi")
    )


def _mark_known_strangers(pairs: pl.DataFrame, strangers: pl.DataFrame | None) -> pl.DataFrame:
    """`stranger_there`: the same list has a row with this name in this village whose usable ID the
    registry does not hold — a same-name person who is not registered lives there, so the name and
    place no longer point at the registered one."""
    if strangers is None or strangers.height == 0:
        return pairs.with_columns(pl.lit(False).alias("stranger_there"))
    known = (
        strangers.drop_nulls(["addr_township", "addr_village"])
        .unique()
        .with_columns(pl.lit(True).alias("stranger_there"))
    )
    return pairs.join(
        known,
        left_on=["reg_fold", "reg_township", "reg_village"],
        right_on=["name_fold", "addr_township", "addr_village"],
        how="left",
    ).with_columns(pl.col("stranger_there").fill_null(False))


def _relation_pairs(named: pl.DataFrame, reg: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Rows named by a relation to a household head (王卫东之妻) × the member that relation names in
    each household whose head has that name (same or homophone): level "relation"."""
    parsed = named.filter(pl.col("name_fold").str.contains(RELATION_NAME))
    if parsed.height == 0:
        return pl.DataFrame()
    parsed = with_relation_anchor(parsed)
    anchors = parsed.select("_anchor", "_anchor_pinyin").unique()
    heads = members.filter(pl.col("relation") == "户主").select("household_id", "name_fold", "name_pinyin")
    by_fold = anchors.join(heads, left_on="_anchor", right_on="name_fold").select("_anchor", "household_id")
    by_sound = anchors.join(heads, left_on="_anchor_pinyin", right_on="name_pinyin").select(
        "_anchor", "household_id"
    )
    households = pl.concat([by_fold, by_sound]).unique()
    wanted = (
        parsed.drop("_anchor_pinyin")
        .with_columns(
            pl.col("_word")
            .replace_strict(RELATION_OF_HEAD, default=None, return_dtype=pl.String)
            .alias("_rel")
        )
        .join(households, on="_anchor")
    )
    people = members.select("household_id", "person_id", pl.col("relation").alias("_rel"))
    found = wanted.join(people, on=["household_id", "_rel"]).drop("household_id", "_anchor", "_word", "_rel")
    regs = reg.rename({"id_norm": "reg_id"}).drop("reg_pinyin")
    return found.join(regs, on="person_id").with_columns(pl.lit("relation").alias("level"))


def _place_tier(
    rows: pl.DataFrame,
    reg: pl.DataFrame,
    members: pl.DataFrame,
    name_place: NamePlaceCheck,
    strangers: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if rows.height == 0:
        return _empty(), _empty_candidates()
    rows = _damaged_range(rows).with_columns(
        # An unrepairable bad-check number still tells the birth date when its date part is real.
        pl.coalesce(
            "birth_date",
            pl.when((pl.col("id_status") == "bad_check") | _excel_zeroed()).then(
                pl.col("id_norm").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
            ),
        ).alias("row_birth"),
        pl.when(pl.col("id_status") == "masked")
        .then("^" + pl.col("id_clean").str.replace_all(r"\*", "."))
        .alias("mask_pattern"),
    )
    named = rows.filter(pl.col("name_pinyin").fill_null("") != "")
    pairs = _name_place_pairs(named, reg)
    pairs = add_name_level(pairs, b=("reg_fold", "name_pinyin")).filter(
        pl.col("level").is_in(["same", "homophone"])
    )
    related = _relation_pairs(named, reg, members)
    if related.height:
        pairs = pl.concat([pairs, related.select(pairs.columns)])
    reg_value = _id_value("reg_id")
    pairs = pairs.with_columns(
        pl.when(pl.col("dmg_value").is_not_null())
        .then((reg_value - pl.col("dmg_value")).abs() <= pl.col("dmg_tol") + 64)
        .alias("dmg_ok"),
        pl.when(pl.col("mask_pattern").is_not_null())
        .then(pl.col("reg_id").fill_null("").str.contains(pl.col("mask_pattern")))
        .alias("mask_ok"),
        pl.when(pl.col("row_birth").is_not_null() & pl.col("reg_birth").is_not_null())
        .then(pl.col("row_birth") == pl.col("reg_birth"))
        .alias("birth_ok"),
        pl.when(pl.col("addr_township").is_not_null()).then(pl.col("addr_township") == pl.col("reg_township")).alias("t_ok"),
        pl.when(pl.col("addr_village").is_not_null()).then(pl.col("addr_village") == pl.col("reg_village")).alias("v_ok"),
        pl.when(pl.col("addr_group_no").is_not_null()).then(pl.col("addr_group_no") == pl.col("reg_group_no")).alias("g_ok"),
    )  # fmt: skip
    # Anything that contradicts rules the candidate out, except the group (a reviewer still sees it);
    # what agrees is evidence.
    pairs = pairs.filter(
        pl.all_horizontal([pl.col(c).fill_null(True) for c in ("dmg_ok", "mask_ok", "birth_ok", "t_ok", "v_ok")])
    )  # fmt: skip
    strong_id = pl.col("dmg_ok").fill_null(False) & (pl.col("dmg_tol") <= 10_000)
    listed_birth = pl.col("birth_date").is_not_null() & pl.col("birth_ok").fill_null(False)
    pairs = pairs.with_columns(
        pl.when(pl.col("g_ok").fill_null(False) & pl.col("v_ok").fill_null(False))
        .then(pl.lit("group"))
        .when(pl.col("g_ok").not_().fill_null(False))
        .then(pl.lit("other_group"))
        .when(pl.col("v_ok").fill_null(False))
        .then(pl.lit("village"))
        .when(pl.col("t_ok").fill_null(False))
        .then(pl.lit("township"))
        .otherwise(pl.lit("none"))
        .alias("place"),
        pl.when(strong_id)
        .then(pl.lit("id_digits"))
        .when(pl.col("mask_ok").fill_null(False) | listed_birth)
        .then(pl.lit("birth_date"))
        .when(
            pl.col("named_head")
            & pl.col("reg_head")
            & (pl.col("level") == "same")
            & pl.col("v_ok").fill_null(False)
        )
        .then(pl.lit("head"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("tie"),
        _id_contradicts().alias("id_far"),
    ).with_columns(
        pl.len().over("row_key").alias("n_candidates"),
        (pl.col("place") != "other_group").sum().over("row_key").alias("n_consistent"),
    )
    # a row whose (unusable) number is far from every same-name candidate's is a stranger too
    far = pairs.group_by("row_key").agg(pl.col("id_far").all().alias("_all_far"))
    far_rows = rows.join(far.filter(pl.col("_all_far")), on="row_key", how="semi").select(
        "name_fold", "addr_township", "addr_village"
    )
    witnesses = far_rows if strangers is None else pl.concat([strangers, far_rows])
    pairs = _mark_known_strangers(pairs, witnesses)
    id_part = (
        pl.when(pl.col("dmg_ok").fill_null(False) & (pl.col("dmg_tol") <= 10_000))
        .then(pl.lit("身份证号残存前15位一致，"))
        .when(pl.col("dmg_ok").fill_null(False))
        .then(pl.lit("身份证号残存的几位数字不矛盾，"))
        .when(pl.col("mask_ok").fill_null(False))
        .then(pl.lit("脱敏身份证号可见位一致，"))
        .otherwise(pl.lit(""))
    )
    birth_part = pl.when(pl.col("birth_ok").fill_null(False)).then(pl.lit("出生日期一致，")).otherwise(
        pl.lit("")
    ) + pl.when(pl.col("tie") == "head").then(pl.lit("名单所列户主在登记中也是户主，")).otherwise(pl.lit(""))
    pairs = pairs.with_columns(
        (
            id_part
            + name_level_text()
            + "，"
            + birth_part
            + pl.col("place").replace_strict(PLACE_TEXT, return_dtype=pl.String)
        ).alias("why")
    ).sort(
        "row_key", pl.col("tie").is_null(), pl.col("place") != "group", pl.col("level") != "same", "person_id"
    )
    # Measured on a registry that holds only part of the population (../shared/outside/match-dev, 35% of
    # rows about people not in it, many sharing a registered name and township): the single same-name
    # candidate is the row's person for 0.98 of rows when township, village and group all agree, 0.90
    # at village level, 0.59 when the address places nothing, and a homophone at group level 0.91; a
    # bad-check number's birth date agrees for twins as well (0.81). So the name and the place link
    # only at group level with the name written the same — and only when this list's own ID-bearing
    # rows show that rule right often enough (calibration.check_name_place: 0.985 there, 0.95 on lists
    # with more same-name strangers); the surviving digits of an Excel-damaged number, a masked
    # number's visible digits or the list's own birth date tie at any place; a number whose digits are
    # far from the candidate's (more than two places) never links. A household list (受灾户, 产业到户:
    # the name column is the head's, 户主姓名) that names a registered head, written the same, in that
    # village, is a household-level claim a same-name stranger would also have to meet (be a head
    # himself, there): it ties at village level.
    tied = (pl.col("n_candidates") == 1) & pl.col("tie").is_not_null() & (pl.col("level") != "relation")
    group_rule = (
        (pl.col("n_consistent") == 1)
        & (pl.col("level") == "same")
        & (pl.col("place") == "group")
        & ~pl.col("stranger_there")
    )
    auto = ~pl.col("id_far") & (tied | (group_rule & pl.lit(name_place.admits)))
    withheld = ~pl.col("id_far") & ~tied & group_rule & pl.lit(not name_place.admits)
    best = pairs.unique("row_key", keep="first", maintain_order=True).with_columns(
        auto.alias("auto"), withheld.alias("withheld")
    )
    candidates = pairs.join(best.filter(pl.col("auto")).select("row_key"), on="row_key", how="anti").select(
        "row_key",
        pl.int_range(1, pl.len() + 1).over("row_key").cast(pl.Int32).alias("rank"),
        "person_id",
        "household_id",
        (pl.col("why") + "（登记为" + pl.col("reg_name") + "，" + pl.col("reg_township").fill_null("")
         + pl.col("reg_village").fill_null("") + pl.col("reg_group").fill_null("") + "）").alias("candidate_note"),
    )  # fmt: skip
    status_text = _status_text("身份证号不可用")
    decided = best.select(
        "row_key",
        pl.when("auto").then(pl.col("person_id")).alias("person_id"),
        pl.when("auto").then(pl.col("household_id")).alias("household_id"),
        pl.when("auto").then(pl.lit("matched")).otherwise(pl.lit("ambiguous")).alias("match_status"),
        pl.lit("name_place").alias("match_method"),
        pl.when(pl.col("auto") & pl.col("tie").is_not_null())
        .then(pl.col("tie").replace_strict(PLACE_SCORES, default=0.85, return_dtype=pl.Float64)
              - pl.when(pl.col("level") == "homophone").then(0.02).otherwise(0.0))
        .when("auto")
        .then(pl.lit(round(name_place.lower, 4)))
        .otherwise(pl.lit(0.6) / pl.col("n_candidates"))
        .alias("match_score"),
        pl.when(pl.col("auto") & pl.col("tie").is_not_null())
        .then(status_text + "；" + pl.col("why") + "，唯一候选")
        .when("auto")
        .then(status_text + "；" + pl.col("why") + "，唯一候选（" + pl.lit(name_place.text()) + "）")
        .when("withheld")
        .then(status_text + "；" + pl.col("why") + "，唯一候选，但" + pl.lit(name_place.text())
              + "，不足以仅凭姓名和地址自动匹配，需人工核对")
        .when(pl.col("n_candidates") > 1)
        .then(status_text + "；登记人口中有" + pl.col("n_candidates").cast(pl.String)
              + "个同名（同音）且不矛盾的候选人（同名同姓），需人工核对")
        .otherwise(status_text + "；仅" + pl.col("why") + "，证据不足，需人工核对")
        .alias("match_evidence"),
        "id_status",
    )  # fmt: skip
    return decided.cast(MATCH_COLUMNS), candidates.cast(CANDIDATE_COLUMNS)  # type: ignore[arg-type]  # see MATCH_COLUMNS


def _prepare_with_places(
    rows: pl.DataFrame, persons: pl.DataFrame, reg: pl.DataFrame, gazetteer: Gazetteer | None
) -> pl.DataFrame:
    prepared = prepare_rows(rows, persons)
    if gazetteer is None and reg.get_column("reg_township").null_count() < reg.height:
        gazetteer = Gazetteer.from_places(reg.select(township="reg_township", village="reg_village"))
    if gazetteer is not None:
        return add_place_columns(prepared, gazetteer, "address", "addr")
    return prepared.with_columns(
        pl.lit(None, dtype=pl.String).alias("addr_township"),
        pl.lit(None, dtype=pl.String).alias("addr_village"),
        pl.lit(None, dtype=pl.Int32).alias("addr_group_no"),
    )


def name_place_check(
    rows: pl.DataFrame, persons: pl.DataFrame, gazetteer: Gazetteer | None = None
) -> NamePlaceCheck:
    """The name-and-group rule measured on rows (the match_rows shape) whose ID tells who they are: to
    pool several lists' evidence before matching each (a small list alone shows little)."""
    reg = _registry(persons)
    return check_name_place(_prepare_with_places(rows, persons, reg, gazetteer), reg)


def match_rows_detailed(
    rows: pl.DataFrame,
    persons: pl.DataFrame,
    decisions: pl.DataFrame | None = None,
    gazetteer: Gazetteer | None = None,
    name_place: NamePlaceCheck | None = None,
) -> MatchResult:
    """Decisions for every row plus the candidates of rows sent to review (see match_rows).

    name_place: how far a name and a village group alone can be trusted (default: measured on these
    rows' own usable IDs, calibration.check_name_place)."""
    reg = _registry(persons)
    members = _members(persons)
    prepared = _prepare_with_places(rows, persons, reg, gazetteer)
    if name_place is None:
        name_place = check_name_place(prepared, reg)
    parts: list[pl.DataFrame] = []
    cands: list[pl.DataFrame] = []
    rest = prepared

    def take(decided: pl.DataFrame, candidates: pl.DataFrame | None = None) -> None:
        nonlocal rest
        parts.append(decided)
        if candidates is not None:
            cands.append(candidates)
        if decided.height:
            rest = rest.join(decided.select("row_key"), on="row_key", how="anti")

    take(_decisions_tier(rest, reg, decisions))
    take(*_exact_tier(rest, reg, members))
    take(*_repair_tier(rest, reg))
    no_usable_id = ~pl.col("id_status").is_in(USABLE_STATUSES) | _excel_zeroed()
    # rows left with a usable ID are people the registry does not hold: where one of them has a
    # registered person's name and place, a same-name stranger is known to live there
    strangers = rest.filter(~no_usable_id & (pl.col("name_fold").fill_null("") != "")).select(
        "name_fold", "addr_township", "addr_village"
    )
    take(*_place_tier(rest.filter(no_usable_id), reg, members, name_place, strangers))
    unmatched = rest.select(
        "row_key",
        pl.lit(None, dtype=pl.String).alias("person_id"),
        pl.lit(None, dtype=pl.String).alias("household_id"),
        pl.lit("unmatched").alias("match_status"),
        pl.lit("none").alias("match_method"),
        pl.lit(0.0).alias("match_score"),
        pl.when(pl.col("id_status").is_in(USABLE_STATUSES) & ~_excel_zeroed())
        .then(_status_text("无法比对"))
        .when(pl.col("name_fold").fill_null("") == "")
        .then(_status_text("无法比对") + "，且未提供姓名")
        .otherwise(_status_text("无法比对") + "；登记人口中没有与姓名、地址相符的人")
        .alias("match_evidence"),
        "id_status",
    )
    parts.append(unmatched.cast(MATCH_COLUMNS))  # type: ignore[arg-type]  # see MATCH_COLUMNS
    decided = pl.concat(parts).sort("row_key")
    candidates = pl.concat(cands) if cands else _empty_candidates()
    return MatchResult(
        decisions=decided,
        candidates=candidates.sort("row_key", "rank"),
        fingerprints=prepared.select("row_key", "fingerprint"),
    )


def match_rows(
    rows: pl.DataFrame,
    persons: pl.DataFrame,
    decisions: pl.DataFrame | None = None,
    gazetteer: Gazetteer | None = None,
    name_place: NamePlaceCheck | None = None,
) -> pl.DataFrame:
    """One decision per row: matched / ambiguous (to review) / unmatched, with method, score, evidence.

    rows: row_key, name, id_number; optional id_damaged, address, birth_date. persons (core.persons):
    person_id, household_id, name, id_norm, name_fold, name_pinyin; optional township, village,
    group, birth_date (place and birth date evidence need them). decisions: remembered reviewer
    decisions (DECISION_COLUMNS), applied before the tiers. name_place: see match_rows_detailed.
    """
    return match_rows_detailed(rows, persons, decisions, gazetteer, name_place).decisions


__all__ = [
    "CANDIDATE_COLUMNS",
    "DECISION_COLUMNS",
    "MATCH_COLUMNS",
    "NAME_LEVELS",
    "MatchResult",
    "NamePlaceCheck",
    "match_rows",
    "match_rows_detailed",
    "name_place_check",
    "prepare_rows",
]
