from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="agriculture",
    department="农业农村局",
    meaning="一户产业项目的损失登记",
    fields=(
        name_field("经营主体姓名"),
        id_field(),
        Field("project", "产业项目", aliases=("项目名称", "产业类型")),
        Field("event_date", "损失日期", aliases=("登记日期", "发生日期"), type="date", required=True),
        Field("loss", "损失金额", aliases=("经济损失", "损失金额(元)"), type="amount", required=True),
        Field("loss_ratio", "损失比例", aliases=("减产比例",), type="amount"),
        address_field(),
    ),
    natural_key=("id_number", "name", "project", "event_date"),
    date_field="event_date",
    causes=("industry",),
)
SCHEMA = build_schema(SOURCE)
