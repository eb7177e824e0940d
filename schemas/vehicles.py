"""公安局交通管理大队（车管所）: motor-vehicle registrations, an exclusion check (信息比对)."""

from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="vehicles",
    department="公安局交通管理大队",
    meaning="一辆登记在某人名下的机动车（信息比对：家庭成员名下有车辆）",
    fields=(
        Field("plate_no", "号牌号码", aliases=("车牌号", "车牌号码", "号牌"), required=True),
        Field("vehicle_type", "车辆类型", aliases=("车型", "号牌种类", "机动车类型")),
        Field("brand", "品牌型号", aliases=("中文品牌", "车辆品牌", "厂牌型号")),
        name_field("机动车所有人", "所有人", "车主姓名", "车主"),
        id_field("所有人身份证明号码", "车主身份证号"),
        Field(
            "register_date",
            "初次登记日期",
            aliases=("登记日期", "注册登记日期", "初登日期"),
            type="date",
        ),
        Field("vehicle_status", "机动车状态", aliases=("车辆状态", "状态")),
        address_field("住所地址"),
    ),
    natural_key=("plate_no", "id_number"),
    date_field="register_date",
    kind="exclusion",
)
SCHEMA = build_schema(SOURCE)
