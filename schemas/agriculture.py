from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field, place_fields

SOURCE = Source(
    name="agriculture",
    department="农业农村局",
    meaning="一户到户产业项目的经营情况或损失登记",
    fields=(
        name_field("经营主体姓名"),
        id_field(),
        Field("project", "产业项目", aliases=("项目名称", "产业类型")),
        Field("event_date", "损失日期", aliases=("发生日期",), type="date"),
        Field("report_date", "核查日期", type="date"),
        Field("invested", "投入金额", type="amount"),
        Field("income", "本年收益", type="amount"),
        Field("loss", "损失金额", aliases=("经济损失", "损失金额(元)"), type="amount"),
        Field("loss_ratio", "损失比例", aliases=("减产比例",), type="amount"),
        Field("operating_status", "经营状况", type="enum"),
        address_field(),
        *place_fields(),
    ),
    natural_key=("id_number", "name", "project", "event_date", "report_date"),
    date_field="event_date",
    date_fallbacks=("report_date",),
    causes=("industry",),
)
SCHEMA = build_schema(SOURCE)
