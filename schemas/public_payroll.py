"""财政局: people paid from public funds (财政供养人员), an exclusion check (信息比对)."""

from schemas.base import Field, Source, build_schema
from schemas.common import id_field, name_field

SOURCE = Source(
    name="public_payroll",
    department="财政局",
    meaning="一名财政供养人员（机关事业单位在编在岗或退休人员）",
    fields=(
        name_field("人员名称"),
        id_field(),
        Field("employer", "工作单位", aliases=("单位名称", "所在单位", "预算单位"), required=True),
        Field("post", "职务", aliases=("岗位", "职务(岗位)", "职级")),
        Field("staff_type", "人员类别", aliases=("人员类型", "编制类型", "人员性质")),
        Field("pay_month", "发放月份", aliases=("工资月份", "所属期", "发放年月")),
        Field(
            "start_date", "参加工作时间", aliases=("入职日期", "参加工作日期", "进入单位时间"), type="date"
        ),
        Field("monthly_pay", "应发工资", aliases=("应发合计", "月工资", "工资总额"), type="amount"),
    ),
    natural_key=("id_number", "employer"),
    date_field="start_date",
    kind="exclusion",
)
SCHEMA = build_schema(SOURCE)
