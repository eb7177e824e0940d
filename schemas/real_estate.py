"""不动产登记中心: property registered in a person's name, an exclusion check (信息比对)."""

from schemas.base import Field, Source, build_schema
from schemas.common import id_field, name_field

SOURCE = Source(
    name="real_estate",
    department="不动产登记中心",
    meaning="一处登记在某人名下的不动产（房屋、商铺等）",
    fields=(
        Field(
            "cert_no",
            "不动产权证号",
            aliases=("不动产权证书号", "产权证号", "房产证号", "不动产单元号"),
            required=True,
        ),
        name_field("权利人", "权利人姓名", "产权人"),
        id_field("权利人证件号", "权利人证件号码"),
        Field("location", "坐落", aliases=("房屋坐落", "不动产坐落", "坐落地址")),
        Field("usage", "用途", aliases=("规划用途", "房屋用途")),
        Field("area", "面积", aliases=("建筑面积", "房屋面积", "建筑面积(㎡)"), type="amount"),
        Field("share", "共有情况", aliases=("共有方式",)),
        Field("register_date", "登记日期", aliases=("登簿日期", "登记时间"), type="date"),
    ),
    natural_key=("cert_no", "id_number"),
    date_field="register_date",
    kind="exclusion",
)
SCHEMA = build_schema(SOURCE)
