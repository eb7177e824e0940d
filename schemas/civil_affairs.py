from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="civil_affairs",
    department="民政局",
    meaning="一次救助纳入、退出、发放或一例死亡（殡葬）登记",
    fields=(
        name_field("救助对象姓名", "逝者姓名"),
        id_field(),
        Field("programme", "救助类型", aliases=("业务类型", "救助类别", "事项"), type="enum", required=True),
        # departments either write the change in its own column (变动类型 新增/停保) or inside the
        # programme (低保退出): the change is read from the programme's text when its column is blank
        Field("change", "变动类型", type="enum", derive_from="programme"),
        Field("members_covered", "保障人数", type="int"),
        Field("event_date", "办理日期", aliases=("审批日期", "救助日期", "火化日期", "日期"), type="date"),
        Field("amount", "救助金额", aliases=("金额", "发放金额"), type="amount"),
        address_field(),
    ),
    natural_key=("id_number", "name", "programme", "change", "event_date"),
    date_field="event_date",
    causes=("assistance",),
)
SCHEMA = build_schema(SOURCE)
