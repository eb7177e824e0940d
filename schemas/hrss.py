from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="hrss",
    department="人力资源和社会保障局",
    meaning="一次就业状态登记（失业登记、解除劳动合同、就业登记）",
    fields=(
        name_field(),
        id_field(),
        Field("event", "业务类型", aliases=("登记类型", "变动类型"), type="enum", required=True),
        Field("event_date", "登记日期", aliases=("变动日期", "办理日期"), type="date"),
        Field("employer", "原工作单位", aliases=("用人单位", "工作单位")),
        Field("reason", "失业原因"),
        address_field(),
    ),
    natural_key=("id_number", "name", "event", "event_date"),
    date_field="event_date",
    causes=("employment",),
)
SCHEMA = build_schema(SOURCE)
