from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="education",
    department="教育局",
    meaning="一名学生的学籍状态与自付费用（按核查或填报日期）",
    fields=(
        name_field(),
        id_field("学籍号(身份证)"),
        Field("school", "学校", aliases=("学校名称", "就读学校")),
        Field("stage", "学段", aliases=("就读学段", "学习阶段"), type="enum"),
        Field("grade_year", "年级"),
        Field("status", "学籍状态", aliases=("在校状态", "就学状态"), type="enum", required=True),
        Field("status_change_date", "异动日期", type="date"),
        Field("self_paid", "自付费用", aliases=("学年自付费用", "个人承担费用"), type="amount"),
        Field("report_date", "填报日期", aliases=("统计日期", "状态日期"), type="date"),
        address_field(),
    ),
    natural_key=("id_number", "name", "status", "report_date"),
    date_field="report_date",
    date_fallbacks=("status_change_date",),
    causes=("schooling",),
)
SCHEMA = build_schema(SOURCE)
