import polars as pl
import pytest

from pipelines.normalize.address import Gazetteer, add_place_columns, clean_address_expr, group_number

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


def _variants() -> list[str | None]:
    """Addresses in the shapes people type, combined: prefixes, short forms, groups, house numbers,
    other counties, villages named like townships, and text that places nothing."""
    heads = ["", "安徽省池州市", "池州市", "石台县", "石台", "东至县", "贵池区", "安徽省池州市石台县 "]
    towns = ["仁里镇", "仁里", "七都镇", "七都", "大演乡", "大演", "", "秋浦"]
    villages = ["桃源村", "桃源", "秋浦村", "秋浦", "红星村", "红星", "新华村", "", "仁里村"]
    tails = ["", "第三村民小组", "3组", "十二组", "５队", "3组40号", "二组7号附1", "40号", "路12号"]
    out: list[str | None] = [None, "", " "]
    for h in heads:
        for t in towns:
            for v in villages:
                for tail in tails:
                    out.append(h + t + v + tail)
    return out


def test_parse_many_reads_every_address_as_parse_does():
    """The column-wise reader is an optimisation only: for every shape, the same answer as parse."""
    values = _variants()
    frame = add_place_columns(pl.DataFrame({"address": values}), GAZ)
    got = list(frame.select("addr_township", "addr_village", "addr_group_no").iter_rows())
    want = [GAZ.parse(v) for v in values]
    assert got == want
    assert sum(1 for w in want if w[1] is not None) > 500  # the variants do reach villages


def test_parse_many_without_county_names_keeps_any_county_prefix_rule():
    open_gaz = Gazetteer(townships=GAZ.townships, villages=GAZ.villages)
    cleaned = pl.DataFrame({"a": _variants()}).select(clean_address_expr("a")).to_series()
    parsed = open_gaz.parse_many(cleaned)
    assert list(parsed.iter_rows()) == [open_gaz.parse_clean(v) for v in cleaned.to_list()]
    assert open_gaz.parse_clean("东至县仁里镇桃源村") == ("仁里镇", "桃源村", None)  # any county's prefix
