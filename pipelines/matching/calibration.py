"""How far a name and a place alone can be trusted, measured on the list itself.

A registry holds only part of a county (脱贫户, 监测户, some other rural households); a department's
list is about everybody. So "one registered person of that name in that village group" points at the
row's person only as often as no unregistered namesake lives there, and that depends on the county and
the list, not on anything a constant in the code can know. Measured: on ../shared/outside/match-dev a
unique same-name person in the group is the row's person for 98.5 % of rows; on two blind sets written
to the same brief with more same-name strangers, 95.4 % and 95.0 %.

The rows that carry a usable ID number answer that question for this very list: the ID says who each
of them is, so pretending the ID were missing and asking "is the single same-name registry person in
the row's group the person the ID names?" measures the name-and-place rule. On the data above the
estimate is within 0.3 points of the rate on the rows that really lack an ID (0.954 vs 0.956, 0.985
vs 0.983): the ID goes missing through the same clerical accidents whoever the row is about.

The rule links by name and place alone only when the lower confidence bound of that rate reaches
NAME_PLACE_MIN_PRECISION, and such a link's match_score is that lower bound. Why 0.98: these links are 4–5 % of all auto-matches on such lists (3,829 of
93,000 on match-dev), so at 0.98 they add at most ~0.001 wrong links per link made — the county's
precision goal of 0.999 (issue 12). Below it, the rows go to review with their candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from pipelines.normalize.idcard import USABLE_STATUSES

NAME_PLACE_MIN_PRECISION = 0.98
"""Lower bound the measured rate must reach before a name and a village group link on their own."""

Z_ONE_SIDED_95 = 1.645


@dataclass(frozen=True)
class NamePlaceCheck:
    """Rows whose usable ID told who they are, with a unique same-name registry person in their group:
    `checked` of them, `right` where that person is the one the ID names."""

    checked: int
    right: int

    @property
    def rate(self) -> float:
        return self.right / self.checked if self.checked else 0.0

    @property
    def lower(self) -> float:
        """Wilson score lower bound (one-sided 95 %): a small list must show more before it is trusted."""
        n = self.checked
        if n == 0:
            return 0.0
        p, z2 = self.rate, Z_ONE_SIDED_95**2
        centre = p + z2 / (2 * n)
        spread = Z_ONE_SIDED_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        return (centre - spread) / (1 + z2 / n)

    @property
    def admits(self) -> bool:
        return self.lower >= NAME_PLACE_MIN_PRECISION

    def __add__(self, other: NamePlaceCheck) -> NamePlaceCheck:
        return NamePlaceCheck(self.checked + other.checked, self.right + other.right)

    def text(self) -> str:
        """What was measured, in the words the review queue and the evidence column use."""
        if self.checked == 0:
            return "本批记录中没有可供验证的带身份证号记录，无法估计同名同组唯一者是本人的比例"
        return f"本批{self.checked}条带身份证号的记录验证：同组唯一同名者是本人的比例为{self.rate:.1%}"


def check_name_place(rows: pl.DataFrame, reg: pl.DataFrame) -> NamePlaceCheck:
    """Measure the name-and-group rule on the rows whose ID is usable.

    rows: prepared rows with id_status, id_norm, name_fold, addr_township, addr_village, addr_group_no.
    reg: the matcher's registry frame (person id_norm, reg_fold, reg_township, reg_village,
    reg_group_no). The same person, name and place counted once (duplicates do not weigh twice)."""
    keys = ["name_fold", "addr_township", "addr_village", "addr_group_no"]
    usable = pl.col("id_status").is_in(USABLE_STATUSES) & pl.col("id_norm").is_not_null()
    if "id_zeroed" in rows.columns:
        usable = usable & ~pl.col("id_zeroed").fill_null(False)
    sample = (
        rows.filter(usable).select("id_norm", *keys).drop_nulls().filter(pl.col("name_fold") != "").unique()
    )
    if sample.height == 0:
        return NamePlaceCheck(0, 0)
    groups = (
        reg.select(
            pl.col("id_norm").alias("reg_id"),
            pl.col("reg_fold").alias("name_fold"),
            pl.col("reg_township").alias("addr_township"),
            pl.col("reg_village").alias("addr_village"),
            pl.col("reg_group_no").alias("addr_group_no"),
        )
        .drop_nulls(keys)
        .group_by(keys)
        .agg(pl.len().alias("_n"), pl.col("reg_id").first())
        .filter(pl.col("_n") == 1)
    )
    hits = sample.join(groups, on=keys, how="inner")
    right = int((hits.get_column("reg_id") == hits.get_column("id_norm")).fill_null(False).sum())
    return NamePlaceCheck(hits.height, right)


__all__ = ["NAME_PLACE_MIN_PRECISION", "NamePlaceCheck", "check_name_place"]
