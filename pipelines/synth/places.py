"""Shitai County's townships (real codes) and invented villages, groups and grids."""

from __future__ import annotations

import random
from dataclasses import dataclass

COUNTY_CODE = "341722"
COUNTY_NAME = "石台县"


@dataclass(frozen=True)
class Township:
    name: str
    code: str
    short: str
    n_villages: int


TOWNSHIPS: tuple[Township, ...] = (
    Township("仁里镇", "341722100", "仁里", 10),
    Township("七都镇", "341722101", "七都", 11),
    Township("仙寓镇", "341722102", "仙寓", 8),
    Township("丁香镇", "341722103", "丁香", 9),
    Township("小河镇", "341722104", "小河", 13),
    Township("横渡镇", "341722105", "横渡", 7),
    Township("大演乡", "341722200", "大演", 7),
    Township("矶滩乡", "341722201", "矶滩", 6),
)

VILLAGE_STEMS: list[str] = [
    "桃源",
    "新华",
    "红星",
    "光明",
    "幸福",
    "团结",
    "和平",
    "长春",
    "金山",
    "银河",
    "青山",
    "绿水",
    "龙潭",
    "凤凰",
    "白沙",
    "黄田",
    "石门",
    "清溪",
    "竹林",
    "松林",
    "梅岭",
    "杏花",
    "荷花",
    "桂花",
    "兰田",
    "柳溪",
    "杨林",
    "高峰",
    "东山",
    "西山",
    "南岭",
    "北岸",
    "中和",
    "联合",
    "建设",
    "胜利",
    "前进",
    "永丰",
    "丰收",
    "五星",
    "双河",
    "三元",
    "四合",
    "九龙",
    "百花",
    "万福",
    "太平",
    "安乐",
    "富民",
    "兴旺",
    "新河",
    "溪口",
    "山口",
    "岭下",
    "塘坊",
    "茶园",
    "枫林",
    "樟树",
    "柏树",
    "栗树",
    "杉木",
    "竹溪",
    "莲花",
    "芦花",
    "秋浦",
    "珂田",
    "源头",
    "大坑",
    "小坑",
    "河东",
    "河西",
    "桥头",
    "渡口",
    "洪墩",
    "塔坑",
    "占坑",
    "蓬莱",
    "天井",
    "古溪",
    "横山",
    "香口",
    "贡溪",
    "雁塔",
    "鹤林",
    "仙源",
    "碧山",
    "青龙",
    "白鹤",
    "黄岭",
    "新安",
    "和睦",
    "同心",
]

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as Chinese numerals (十一, 二十)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Village:
    township: Township
    index: int
    """1-based within the township; part of the household id."""
    name: str
    n_groups: int

    def group_name(self, group: int) -> str:
        return f"第{chinese_number(group)}村民小组"


def build_villages(rng: random.Random) -> list[Village]:
    """All villages, township by township; names unique county-wide."""
    n_total = sum(t.n_villages for t in TOWNSHIPS)
    if n_total > len(VILLAGE_STEMS):
        raise ValueError(f"need {n_total} village stems, have {len(VILLAGE_STEMS)}")
    stems = list(VILLAGE_STEMS)
    rng.shuffle(stems)
    villages: list[Village] = []
    for t in TOWNSHIPS:
        for i in range(1, t.n_villages + 1):
            villages.append(Village(t, i, stems.pop() + "村", rng.randint(4, 12)))
    return villages


def full_address(village: Village, group: int, with_county: bool = True) -> str:
    """石台县仁里镇桃源村第三村民小组."""
    head = COUNTY_NAME if with_county else ""
    return f"{head}{village.township.name}{village.name}{village.group_name(group)}"


def short_address(village: Village, group: int) -> str:
    """The abbreviated form people type: 仁里桃源村3组."""
    return f"{village.township.short}{village.name}{group}组"


OUTSIDE_ADDRESSES: tuple[str, ...] = (
    "池州市贵池区秋浦西路",
    "池州市贵池区梅街镇",
    "安庆市怀宁县高河镇",
    "黄山市黟县碧阳镇",
    "池州市东至县尧渡镇",
    "石台县城关社区",
    "池州市青阳县蓉城镇",
)
