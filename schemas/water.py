"""水利局: drinking-water safety problems found by village or by household (农村供水保障排查)."""

from schemas.base import Field, Source, build_schema
from schemas.common import address_field, id_field, name_field

SOURCE = Source(
    name="water",
    department="水利局",
    meaning="一处农村饮水安全问题（到村或到户）：水量、水质、取水方便程度或供水保证率不达标",
    fields=(
        Field("township", "乡(镇)", aliases=("乡镇", "乡（镇）", "所属乡镇")),
        Field("village", "行政村", aliases=("村", "所属村", "村名", "村委会")),
        name_field("户主", "户主姓名", "用水户"),
        id_field(),
        Field(
            "problem_type",
            "问题类型",
            aliases=("饮水问题类型", "存在问题", "问题类别", "饮水安全问题"),
            required=True,
        ),
        Field("severity", "影响程度", aliases=("严重程度", "供水影响程度", "是否严重影响")),
        Field("affected_people", "影响人数", aliases=("涉及人口", "受影响人数", "影响人口"), type="int"),
        Field(
            "report_date",
            "发现日期",
            aliases=("排查日期", "上报日期", "问题发现时间", "登记日期"),
            type="date",
            required=True,
        ),
        Field("fix_status", "整改情况", aliases=("整改状态", "是否整改", "解决情况")),
        Field("fix_date", "整改日期", aliases=("解决日期", "完成日期"), type="date"),
        address_field(),
    ),
    natural_key=("village", "id_number", "name", "problem_type", "report_date"),
    date_field="report_date",
    causes=("drinking_water",),
    # a village-level problem names no person: the village is enough to place it
    one_of=("id_number", "name", "village"),
)
SCHEMA = build_schema(SOURCE)
