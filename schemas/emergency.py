from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field, place_fields

SOURCE = Source(
    name="emergency",
    department="应急管理局",
    meaning="一户一次灾害损失登记",
    fields=(
        name_field("受灾户主"),
        id_field(),
        Field("disaster_type", "灾害类型", aliases=("灾种", "受灾类型")),
        Field("event_date", "受灾日期", aliases=("灾害发生日期",), type="date"),
        Field("report_date", "核查日期", type="date"),
        Field(
            "loss",
            "直接经济损失",
            aliases=("损失金额", "直接经济损失(元)", "经济损失"),
            type="amount",
            required=True,
        ),
        Field("house_damage", "房屋受损情况", aliases=("房屋损毁", "倒损情况")),
        Field("crop_area", "农作物受灾面积", type="amount"),
        address_field(),
        *place_fields(),
    ),
    natural_key=("id_number", "name", "disaster_type", "event_date"),
    date_field="event_date",
    date_fallbacks=("report_date",),
    causes=("disaster",),
)
SCHEMA = build_schema(SOURCE)
