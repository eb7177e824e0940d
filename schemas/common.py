"""Fields that most department extracts share (each source may add its own wordings)."""

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
