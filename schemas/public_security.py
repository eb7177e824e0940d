from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="public_security",
    department="公安局",
    meaning="一名交通事故或刑事案件中的当事人（伤亡情况）",
    fields=(
        Field("case_no", "案件编号", aliases=("事故编号", "警情编号")),
        name_field("伤亡人员姓名"),
        id_field(),
        Field("event_type", "事件类型", aliases=("案件类型", "事故类型")),
        Field("outcome", "伤亡情况", aliases=("伤亡程度", "人员伤亡"), type="enum", required=True),
        Field("event_date", "发生日期", aliases=("事故日期", "案发日期"), type="date"),
        Field("age_reported", "年龄", type="int"),
        address_field(),
    ),
    natural_key=("case_no", "id_number", "name", "event_date"),
    date_field="event_date",
    causes=("accident",),
)
SCHEMA = build_schema(SOURCE)
