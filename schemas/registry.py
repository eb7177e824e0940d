"""The household registry export (全国防返贫监测信息系统): one row per person, household fields repeated."""

from schemas.base import Field, Source, build_schema

SOURCE = Source(
    name="registry",
    department="乡村振兴局",
    meaning="一名登记在册的农村人口（户信息随每人重复）",
    fields=(
        Field("household_id", "户编号", aliases=("户码", "家庭编号"), required=True),
        Field("person_id", "人编号", aliases=("人员编号", "成员编号")),
        Field("name", "姓名", aliases=("成员姓名",), type="name", required=True),
        Field("id_number", "证件号码", aliases=("身份证号", "身份证号码", "公民身份号码"), type="id_number"),
        Field("sex", "性别", type="enum"),
        Field("birth_date", "出生日期", type="date"),
        Field("relation", "与户主关系", aliases=("与户主的关系", "家庭关系")),
        Field("township", "乡(镇)", aliases=("乡镇", "乡（镇）", "所属乡镇"), required=True),
        Field("village", "行政村", aliases=("村", "所属村"), required=True),
        Field("group", "村民小组", aliases=("组", "自然村(组)")),
        Field("household_type", "户类型", aliases=("户属性",)),
        Field("monitoring_type", "监测对象类别", aliases=("监测类型", "监测户类型")),
        Field("risk_eliminated", "风险是否消除", aliases=("是否消除风险",)),
        Field("household_size", "家庭人口数", aliases=("户人口数", "家庭人数"), type="int"),
        Field("income_per_capita", "人均纯收入", aliases=("家庭人均纯收入", "人均纯收入(元)"), type="amount"),
        Field("grid", "网格", aliases=("所属网格", "网格名称")),
        Field("grid_worker", "网格员", aliases=("网格员姓名",)),
        Field("phone", "联系电话", aliases=("电话", "手机号码")),
    ),
    natural_key=("household_id", "name", "id_number"),
    one_of=("id_number", "name"),
    kind="registry",
    cumulative=False,
)
SCHEMA = build_schema(SOURCE)
