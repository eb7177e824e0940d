from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="grid_ledger",
    department="网格员走访台账",
    meaning="网格员对一户的一次入户走访（日期、发现的问题、是否发现风险）",
    fields=(
        Field("visit_date", "走访日期", aliases=("入户日期", "走访时间", "日期"), type="date"),
        Field("grid", "所属网格", aliases=("网格", "网格名称")),
        Field("grid_worker", "网格员", aliases=("网格员姓名", "走访人")),
        name_field("被走访户户主"),
        id_field("户主身份证号", "户主证件号码"),
        Field("finding", "走访发现问题", aliases=("发现问题", "走访情况", "存在问题")),
        Field(
            "risk_found",
            "是否发现风险",
            aliases=("是否存在风险", "发现风险"),
            type="enum",
        ),
        address_field(),
    ),
    natural_key=("id_number", "name", "visit_date", "grid_worker"),
    date_field="visit_date",
    causes=(),
)
SCHEMA = build_schema(SOURCE)
