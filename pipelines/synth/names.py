"""Chinese names: a heavy-headed surname distribution, common given-name characters, and the
variants departments type (traditional forms, homophones). Every character is GBK-encodable."""

from __future__ import annotations

import itertools
import random
from functools import lru_cache

import zhconv

# (surname, weight per mille), national order with Anhui/Chizhou surnames (汪 程 方 檀 …) boosted.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 72),
    ("李", 70),
    ("张", 66),
    ("刘", 53),
    ("陈", 46),
    ("杨", 30),
    ("黄", 22),
    ("赵", 20),
    ("吴", 22),
    ("周", 17),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 13),
    ("胡", 16),
    ("郭", 11),
    ("何", 10),
    ("高", 10),
    ("林", 9),
    ("罗", 8),
    ("汪", 22),
    ("程", 18),
    ("方", 16),
    ("檀", 8),
    ("章", 8),
    ("江", 9),
    ("叶", 7),
    ("许", 7),
    ("姚", 6),
    ("曹", 6),
    ("丁", 6),
    ("余", 6),
    ("潘", 5),
    ("杜", 5),
    ("戴", 5),
    ("夏", 5),
    ("钱", 4),
    ("汤", 5),
    ("苏", 4),
    ("陆", 4),
    ("鲍", 3),
    ("査", 3),
    ("舒", 3),
    ("邓", 4),
    ("谢", 4),
    ("宋", 4),
    ("唐", 4),
    ("韩", 3),
    ("冯", 3),
    ("董", 3),
    ("曾", 3),
    ("彭", 3),
    ("蒋", 3),
    ("蔡", 3),
    ("袁", 3),
)

MALE_GIVEN: tuple[str, ...] = tuple(
    [
        "伟",
        "强",
        "军",
        "勇",
        "磊",
        "涛",
        "明",
        "斌",
        "杰",
        "华",
        "平",
        "刚",
        "峰",
        "辉",
        "俊",
        "建",
        "国",
        "文",
        "志",
        "海",
        "波",
        "林",
        "东",
        "亮",
        "鹏",
        "飞",
        "超",
        "宇",
        "浩",
        "鑫",
        "春",
        "生",
        "发",
        "荣",
        "新",
        "德",
        "福",
        "成",
        "根",
        "金",
        "兵",
        "良",
        "武",
        "忠",
        "民",
        "敏",
        "玮",
        "阳",
        "翔",
        "晨",
    ]
)
FEMALE_GIVEN: tuple[str, ...] = tuple(
    [
        "芳",
        "丽",
        "娟",
        "敏",
        "静",
        "英",
        "华",
        "霞",
        "秀",
        "兰",
        "红",
        "玲",
        "燕",
        "梅",
        "琴",
        "云",
        "凤",
        "艳",
        "萍",
        "娜",
        "婷",
        "雪",
        "莉",
        "晶",
        "慧",
        "洁",
        "颖",
        "倩",
        "佳",
        "欣",
        "桂",
        "珍",
        "花",
        "菊",
        "莲",
        "月",
        "春",
        "翠",
        "美",
        "玉",
        "民",
        "琳",
        "悦",
        "怡",
        "涵",
    ]
)

HOMOPHONES: dict[str, tuple[str, ...]] = {
    "伟": ("玮", "炜", "维"),
    "玮": ("伟",),
    "丽": ("莉", "俐"),
    "莉": ("丽",),
    "静": ("晶", "婧"),
    "晶": ("静",),
    "敏": ("民", "闽"),
    "民": ("敏",),
    "军": ("君", "均"),
    "华": ("桦", "骅"),
    "林": ("琳", "霖"),
    "琳": ("林",),
    "涛": ("韬", "滔"),
    "勇": ("永", "涌"),
    "明": ("铭", "鸣"),
    "红": ("虹", "宏"),
    "燕": ("艳", "雁"),
    "艳": ("燕",),
    "芳": ("方", "昉"),
    "娟": ("鹃",),
    "平": ("萍", "苹"),
    "萍": ("平",),
    "峰": ("锋", "丰"),
    "斌": ("彬", "滨"),
    "杰": ("洁", "捷"),
    "洁": ("杰",),
    "辉": ("晖", "徽"),
    "俊": ("骏", "峻"),
    "建": ("健", "剑"),
    "国": ("帼",),
    "文": ("雯", "闻"),
    "志": ("智", "治"),
    "海": ("亥",),
    "波": ("博", "柏"),
    "东": ("冬",),
    "亮": ("靓",),
    "鹏": ("朋",),
    "飞": ("菲", "非"),
    "宇": ("雨", "羽"),
    "浩": ("昊", "皓"),
    "英": ("瑛", "莺"),
    "霞": ("夏",),
    "兰": ("岚", "澜"),
    "玲": ("铃", "龄"),
    "梅": ("玫", "媚"),
    "琴": ("芹", "勤"),
    "云": ("芸", "韵"),
    "凤": ("奉",),
    "婷": ("亭", "停"),
    "雪": ("学",),
    "慧": ("惠", "蕙"),
    "颖": ("莹", "影"),
    "倩": ("茜",),
    "佳": ("嘉", "家"),
    "欣": ("新", "馨"),
    "珍": ("真", "贞"),
    "菊": ("桔",),
    "莲": ("连", "廉"),
    "月": ("悦",),
    "春": ("纯",),
    "翠": ("萃",),
}


def _zipf_weights(n: int, s: float = 1.05) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


class NameSampler:
    """Draws full names; precomputed cumulative weights keep 100k draws fast."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        surnames = [(s, w) for s, w in SURNAMES if w > 0]
        self._surnames = [s for s, _ in surnames]
        self._surname_cum = list(itertools.accumulate(w for _, w in surnames))
        self._male_cum = list(itertools.accumulate(_zipf_weights(len(MALE_GIVEN))))
        self._female_cum = list(itertools.accumulate(_zipf_weights(len(FEMALE_GIVEN))))

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def given(self, sex: str) -> str:
        pool, cum = (MALE_GIVEN, self._male_cum) if sex == "男" else (FEMALE_GIVEN, self._female_cum)
        k = 1 if self.rng.random() < 0.35 else 2
        return "".join(self.rng.choices(pool, cum_weights=cum, k=k))

    def full(self, sex: str, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given(sex)


@lru_cache(maxsize=65536)
def traditional(name: str) -> str:
    """The name in traditional characters (陈 → 陳); unchanged when no character differs."""
    return zhconv.convert(name, "zh-hant")


def homophone(name: str, rng: random.Random) -> str | None:
    """The name with one given-name character replaced by a homophone, or None when none applies."""
    spots = [i for i in range(1, len(name)) if name[i] in HOMOPHONES]
    if not spots:
        return None
    i = rng.choice(spots)
    return name[:i] + rng.choice(HOMOPHONES[name[i]]) + name[i + 1 :]
