from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="medical_insurance",
    department="医疗保障局",
    meaning="一笔已结算的医疗费用（住院或门诊慢特病）",
    fields=(
        Field("claim_no", "结算单号", aliases=("结算编号", "单据号", "就诊流水号")),
        name_field(),
        id_field(),
        Field("settle_date", "结算日期", aliases=("结算时间", "费用发生日期"), type="date"),
        Field("discharge_date", "出院日期", type="date"),
        Field("admission_date", "入院日期", type="date"),
        Field("hospital", "医疗机构", aliases=("定点医疗机构名称", "医院名称", "就诊医院")),
        Field("visit_type", "就诊类型", aliases=("医疗类别", "就医类型"), type="enum"),
        Field("diagnosis", "诊断", aliases=("疾病诊断", "出院诊断", "病种名称")),
        Field("total_cost", "医疗总费用", aliases=("总费用", "费用总额", "医疗费用总额"), type="amount"),
        Field("reimbursed", "报销金额", aliases=("统筹支付", "基金支付", "三重保障支付合计"), type="amount"),
        Field(
            "out_of_pocket",
            "个人自付",
            aliases=("个人负担", "个人自付金额", "个人负担金额"),
            type="amount",
            required=True,
        ),
        address_field(),
    ),
    natural_key=("claim_no",),
    date_field="settle_date",
    date_fallbacks=("discharge_date", "admission_date"),
    causes=("illness",),
)
SCHEMA = build_schema(SOURCE)
