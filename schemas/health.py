from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="health",
    department="卫生健康委",
    meaning="一例大病或慢性病确诊登记",
    fields=(
        name_field(),
        id_field(),
        Field("disease", "疾病名称", aliases=("病种", "诊断名称", "确诊疾病")),
        Field("disease_category", "病种类别", aliases=("疾病类别", "类别"), type="enum"),
        Field("diagnosis_date", "确诊日期", aliases=("诊断日期",), type="date"),
        Field("register_date", "登记日期", type="date"),
        Field("treatment_status", "救治状态", aliases=("治疗状态",)),
        Field("hospital", "确诊机构", aliases=("医疗机构", "确诊医院")),
        address_field(),
    ),
    natural_key=("id_number", "name", "disease", "diagnosis_date"),
    date_field="diagnosis_date",
    date_fallbacks=("register_date",),
    causes=("illness",),
)
SCHEMA = build_schema(SOURCE)
