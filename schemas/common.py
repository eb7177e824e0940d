"""Fields that most department extracts share. Their header words live in schemas/lexicon.yaml
(fields.common); the aliases here are the wordings the catalogue always accepted."""

from __future__ import annotations

from schemas.base import Field

ID_ALIASES = ("身份证号", "身份证号码", "证件号码", "公民身份号码", "身份证", "证件号", "居民身份证号")
NAME_ALIASES = ("姓名", "人员姓名", "参保人姓名", "患者姓名", "学生姓名", "户主姓名", "当事人姓名", "名字")
ADDRESS_ALIASES = ("地址", "住址", "家庭住址", "现住址", "户籍地址", "居住地址", "所在地")


def id_field(*extra: str) -> Field:
    return Field("id_number", "身份证号", aliases=(*ID_ALIASES, *extra), type="id_number")


def name_field(*extra: str) -> Field:
    return Field("name", "姓名", aliases=(*NAME_ALIASES, *extra), type="name")


def address_field(*extra: str) -> Field:
    return Field("address", "地址", aliases=(*ADDRESS_ALIASES, *extra))


def place_fields() -> tuple[Field, ...]:
    """Township / village / group written in their own columns (应急、农业 lists by place): the loader
    composes them into the address when the row has none, so name + place matching can use them."""
    return (
        Field("township", "乡(镇)", aliases=("乡镇", "乡（镇）", "所属乡镇")),
        Field("village", "行政村", aliases=("村", "所属村")),
        Field("group", "村民小组", aliases=("组",)),
    )
