"""A small registry for table-driven matcher tests: namesakes, villages, groups, IDs with known typos."""

from __future__ import annotations

import polars as pl

from pipelines.matching.calibration import NamePlaceCheck
from pipelines.normalize.idcard import check_char
from pipelines.registry import prepare_persons

TRUSTED = NamePlaceCheck(checked=1000, right=1000)
"""A list whose ID-bearing rows showed the name-and-group rule right every time (the tier tables run on
one row, which shows nothing itself)."""


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


def typo(id18: str, pos: int) -> str:
    """Change the digit at 1-based position `pos` so that the check digit fails."""
    i = pos - 1
    return id18[:i] + str((int(id18[i]) + 1) % 10) + id18[i + 1 :]


def swap(id18: str, pos: int) -> str:
    i = pos - 1
    return id18[:i] + id18[i + 1] + id18[i] + id18[i + 2 :]


ZW1 = make_id("34172219800312041")  # 张伟, 仁里镇桃源村第三村民小组
ZW2 = make_id("34172219920704153")  # 张伟, 仁里镇桃源村第五村民小组 (same township, same village)
LF = make_id("34172219750918262")  # 李芳, 七都镇红星村第一村民小组 (unique name)
WQ = make_id("34172219881130375")  # 王强, 七都镇红星村第二村民小组
WQ2 = make_id("34172219881130391")  # 王强, 七都镇红星村第二村民小组: same birth date as WQ, same group
CM = make_id("34172220010203048")  # 陈明, 仁里镇桃源村第三村民小组

REGISTRY = [
    # person_id, household_id, name, id, township, village, group
    ("P1", "H1", "张伟", ZW1, "仁里镇", "桃源村", "第三村民小组"),
    ("P2", "H2", "张伟", ZW2, "仁里镇", "桃源村", "第五村民小组"),
    ("P3", "H3", "李芳", LF, "七都镇", "红星村", "第一村民小组"),
    ("P4", "H4", "王强", WQ, "七都镇", "红星村", "第二村民小组"),
    ("P5", "H5", "王强", WQ2, "七都镇", "红星村", "第二村民小组"),
    ("P6", "H1", "陈明", CM, "仁里镇", "桃源村", "第三村民小组"),
    ("P7", "H6", "赵敏", make_id("34172219660101088"), "七都镇", "新华村", "第一村民小组"),
]


def persons() -> pl.DataFrame:
    raw = pl.DataFrame(
        REGISTRY,
        schema=["person_id", "household_id", "name", "id_number", "township", "village", "group"],
        orient="row",
    )
    return prepare_persons(raw)


def one_row(
    name: str | None, id_text: str | None, address: str | None = None, damaged: bool = False
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_key": ["r"],
            "name": [name],
            "id_number": [id_text],
            "id_damaged": [damaged],
            "address": [address],
        },
        schema={
            "row_key": pl.String,
            "name": pl.String,
            "id_number": pl.String,
            "id_damaged": pl.Boolean,
            "address": pl.String,
        },
    )
