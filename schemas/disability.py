from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="disability",
    department="残疾人联合会",
    meaning="一张残疾人证（类别、等级、发证日期、新办或换领）",
    fields=(
        name_field(),
        id_field(),
        Field("certificate_no", "残疾证号", aliases=("残疾人证号", "证号")),
        Field("disability_type", "残疾类别", aliases=("残疾类型",)),
        Field("grade", "残疾等级", aliases=("等级",), type="enum"),
        Field("issue_date", "发证日期", aliases=("办证日期", "首次发证日期"), type="date"),
        Field("certificate_type", "办证类型", type="enum"),
        address_field(),
    ),
    natural_key=("certificate_no", "id_number", "name"),
    date_field="issue_date",
    causes=("disability",),
)
SCHEMA = build_schema(SOURCE)
