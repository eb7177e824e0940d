from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="housing",
    department="住房和城乡建设局",
    meaning="一次农房安全鉴定",
    fields=(
        name_field("房屋户主"),
        id_field(),
        Field("grade", "鉴定等级", aliases=("房屋安全等级", "危险等级"), type="enum", required=True),
        Field("appraisal_date", "鉴定日期", aliases=("评定日期",), type="date"),
        Field("structure", "房屋结构"),
        address_field("房屋地址"),
    ),
    natural_key=("id_number", "name", "appraisal_date"),
    date_field="appraisal_date",
    causes=("housing",),
)
SCHEMA = build_schema(SOURCE)
