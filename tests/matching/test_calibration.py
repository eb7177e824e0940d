"""The name-and-group rule is trusted only as far as the list's own ID-bearing rows show it right."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.matching.calibration import NAME_PLACE_MIN_PRECISION, NamePlaceCheck
from pipelines.matching.matcher import match_rows_detailed, name_place_check
from pipelines.registry import prepare_persons

from .cases import make_id

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
GIVEN = "安邦诚德恩峰刚海浩健杰军磊亮明宁鹏强锐涛"


def _registry(n: int) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """n persons with distinct names, all in 七都镇红星村第一村民小组; returns persons and (name, id)."""
    people = [
        (SURNAMES[i // len(GIVEN)] + GIVEN[i % len(GIVEN)], _id(dt.date(1960, 1, 1), i, "011"))
        for i in range(n)
    ]
    raw = pl.DataFrame(
        [
            (f"P{i}", f"H{i}", name, pid, "七都镇", "红星村", "第一村民小组")
            for i, (name, pid) in enumerate(people)
        ],
        schema=["person_id", "household_id", "name", "id_number", "township", "village", "group"],
        orient="row",
    )
    return prepare_persons(raw), people


def _rows(entries: list[tuple[str, str | None]], address: str = "七都镇红星村一组") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row_key": [f"r{i:04d}" for i in range(len(entries))],
            "name": [name for name, _ in entries],
            "id_number": [pid for _, pid in entries],
            "id_damaged": [False] * len(entries),
            "address": [address] * len(entries),
        }
    )


def _id(start: dt.date, i: int, seq: str) -> str:
    return make_id("341722" + (start + dt.timedelta(days=i)).strftime("%Y%m%d") + seq)


def _stranger_id(i: int) -> str:
    return _id(dt.date(1990, 1, 1), i, "023")


@pytest.mark.parametrize(
    ("checked", "right", "admits"),
    [
        (0, 0, False),  # nothing measured: nothing trusted
        (100, 100, False),  # right every time, but 100 rows cannot show 0.98 at 95 % confidence
        (300, 300, True),
        (42_374, 41_734, True),  # match-dev: 0.985
        (67_084, 63_978, False),  # a blind set with more same-name strangers: 0.954
    ],
)
def test_lower_bound_decides(checked, right, admits):
    check = NamePlaceCheck(checked, right)
    assert check.admits is admits
    assert check.lower <= check.rate
    assert (check.lower >= NAME_PLACE_MIN_PRECISION) is admits
    if checked and right == checked:  # a perfect record: the Wilson bound is n / (n + z²), z = 1.645
        assert check.lower == pytest.approx(checked / (checked + 1.645**2))


def test_checks_add_up_across_lists():
    assert NamePlaceCheck(10, 9) + NamePlaceCheck(5, 5) == NamePlaceCheck(15, 14)


def test_measured_on_rows_whose_id_tells_who_they_are():
    persons, people = _registry(40)
    registered = [(name, pid) for name, pid in people[:30]]
    # strangers with valid IDs the registry does not hold, named like registered persons, same group
    strangers = [(people[i][0], _stranger_id(i)) for i in range(10)]
    no_id = [(people[35][0], None)]  # says nothing: the ID cannot tell who it is
    check = name_place_check(_rows(registered + strangers + no_id), persons)
    assert check == NamePlaceCheck(checked=40, right=30)
    # a group holding two registered persons of a name is not the rule's case: not counted
    twins = pl.concat([persons, persons.head(1).with_columns(person_id=pl.lit("PX"), id_norm=pl.lit(None))])
    assert name_place_check(_rows(registered), twins) == NamePlaceCheck(checked=29, right=29)


def _decide(entries: list[tuple[str, str | None]], persons: pl.DataFrame) -> dict:
    result = match_rows_detailed(_rows(entries), persons)
    row = result.decisions.filter(pl.col("row_key") == "r0000").row(0, named=True)
    row["candidates"] = (
        result.candidates.filter(pl.col("row_key") == "r0000").get_column("person_id").to_list()
    )
    return row


def test_a_list_whose_ids_vouch_for_the_rule_links_by_name_and_group():
    persons, people = _registry(400)
    target = (people[0][0], None)  # 赵安, no ID, in the group of the only registered 赵安
    out = _decide([target, *people[1:]], persons)
    assert (out["match_status"], out["person_id"]) == ("matched", "P0")
    assert "同组唯一同名者是本人的比例为100.0%" in out["match_evidence"]
    # the rate, conservatively: the Wilson lower bound (one-sided 95 %, z = 1.645) of 399 right out of
    # 399, which for a perfect record is n / (n + z²) = 399 / 401.706 = 0.9933, not the rate 1.0
    assert out["match_score"] == 0.9933


def test_a_list_full_of_unregistered_namesakes_sends_the_same_row_to_review():
    persons, people = _registry(400)
    target = (people[0][0], None)
    # one in ten ID-bearing rows is a stranger sharing a registered name and group: rule right 0.9
    strangers = [(people[i][0], _stranger_id(i)) for i in range(1, 41)]
    out = _decide([target, *people[41:401], *strangers], persons)
    assert out["match_status"] == "ambiguous"
    assert "比例为90.0%" in out["match_evidence"] and "需人工核对" in out["match_evidence"]
    assert out["candidates"] == ["P0"]  # the reviewer is shown the registered 赵安


def test_a_list_without_any_usable_id_never_links_by_name_and_group_alone():
    persons, people = _registry(5)
    out = _decide([(people[0][0], None)], persons)
    assert out["match_status"] == "ambiguous"
    assert "没有可供验证的带身份证号记录" in out["match_evidence"]
    assert out["candidates"] == ["P0"]
