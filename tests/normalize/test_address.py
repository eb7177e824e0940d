import polars as pl
import pytest

from pipelines.normalize.address import Gazetteer, add_place_columns, group_number

GAZ = Gazetteer(
    townships=["仁里镇", "七都镇", "大演乡"],
    villages={"仁里镇": ["桃源村", "秋浦村"], "七都镇": ["红星村"], "大演乡": ["新华村"]},
    county_names=("石台县",),
)

CASES = [
    ("full address", "石台县仁里镇桃源村第三村民小组", ("仁里镇", "桃源村", 3)),
    ("province and city prefix", "安徽省池州市石台县七都镇红星村第十二村民小组", ("七都镇", "红星村", 12)),
    ("township short form + 3组", "仁里桃源村3组", ("仁里镇", "桃源村", 3)),
    ("三组", "仁里镇桃源村三组", ("仁里镇", "桃源村", 3)),
    ("village stem after the township", "大演新华5队", ("大演乡", "新华村", 5)),
    ("full-width digits and spaces", "七都镇 红星村 ２组", ("七都镇", "红星村", 2)),
    ("unique village without township", "红星村第二十组", ("七都镇", "红星村", 20)),
    ("township only", "石台县大演乡", ("大演乡", None, None)),
    ("a road named like a village is not the village", "池州市贵池区秋浦西路", (None, None, None)),
    ("another county's township", "东至县仁里镇桃源村", (None, None, None)),
    ("blank", None, (None, None, None)),
]


@pytest.mark.parametrize(("description", "address", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse(description, address, expected):
    assert GAZ.parse(address) == expected, description


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("第三村民小组", 3),
        ("3组", 3),
        ("三组", 3),
        ("第03组", 3),
        ("十一组", 11),
        ("二十组", 20),
        ("村委", None),
    ],
)
def test_group_number(text, n):
    assert group_number(text) == n, text


def test_add_place_columns_parses_each_distinct_address_once():
    frame = pl.DataFrame({"address": ["仁里桃源村3组", "仁里桃源村3组", None]})
    out = add_place_columns(frame, GAZ)
    assert out.get_column("addr_village").to_list() == ["桃源村", "桃源村", None]
    assert out.get_column("addr_group_no").to_list() == [3, 3, None]
