"""市场监督管理局: business licences (企业、个体工商户), an exclusion check (信息比对)."""

from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="market_supervision",
    department="市场监督管理局",
    meaning="一个登记在某人名下的市场主体（企业法定代表人、股东或个体工商户经营者）",
    fields=(
        Field(
            "credit_code",
            "统一社会信用代码",
            aliases=("信用代码", "注册号", "统一社会信用代码/注册号"),
        ),
        Field(
            "business_name",
            "市场主体名称",
            aliases=("企业名称", "字号名称", "个体户名称", "名称"),
            required=True,
        ),
        Field("business_type", "市场主体类型", aliases=("企业类型", "主体类型", "类型")),
        name_field("法定代表人", "经营者", "经营者姓名", "法定代表人姓名", "投资人"),
        id_field("法定代表人身份证号", "经营者身份证号"),
        Field("role", "人员身份", aliases=("职务", "身份", "人员类型")),
        Field("registered_capital", "注册资本", aliases=("注册资本(万元)", "资金数额"), type="amount"),
        Field(
            "establish_date",
            "成立日期",
            aliases=("注册日期", "登记日期", "核准日期"),
            type="date",
        ),
        Field("reg_status", "登记状态", aliases=("经营状态", "企业状态")),
        address_field("住所", "经营场所"),
    ),
    natural_key=("credit_code", "id_number"),
    date_field="establish_date",
    kind="exclusion",
)
SCHEMA = build_schema(SOURCE)
