"""How each department lays out its files: names, formats, encodings, headers and value styles."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.synth.dirt import choose_dirt, is_reachable, render
from pipelines.synth.records import Record
from pipelines.synth.windows import Period
from pipelines.synth.writers import Cell, Table, write_csv, write_xlsx
from schemas import get_source

#: The header each department writes for each canonical field (all accepted aliases in `schemas`).
HEADERS: dict[str, dict[str, str]] = {
    "medical_insurance": {
        "claim_no": "就诊流水号", "name": "参保人姓名", "id_number": "公民身份号码", "settle_date": "结算日期",
        "hospital": "定点医疗机构名称", "visit_type": "医疗类别", "diagnosis": "出院诊断",
        "total_cost": "医疗费用总额", "reimbursed": "三重保障支付合计", "out_of_pocket": "个人负担金额",
        "address": "户籍地址",
    },
    "health": {
        "name": "患者姓名", "id_number": "身份证号码", "disease": "确诊疾病", "disease_category": "病种类别",
        "diagnosis_date": "确诊日期", "hospital": "确诊医院", "address": "现住址",
    },
    "civil_affairs": {
        "name": "救助对象姓名", "id_number": "身份证号", "programme": "救助类别", "change": "变动类型",
        "event_date": "审批日期", "amount": "发放金额", "address": "家庭住址",
    },
    "education": {
        "name": "学生姓名", "id_number": "学籍号(身份证)", "school": "就读学校", "stage": "学段",
        "status": "学籍状态", "self_paid": "学年自付费用", "report_date": "填报日期", "address": "家庭住址",
    },
    "disability": {
        "name": "姓名", "id_number": "居民身份证号", "certificate_no": "残疾人证号", "disability_type": "残疾类别",
        "grade": "残疾等级", "issue_date": "发证日期", "address": "户籍地址",
    },
    "emergency": {
        "name": "受灾户主", "id_number": "身份证号码", "disaster_type": "灾种", "event_date": "灾害发生日期",
        "loss": "直接经济损失(元)", "house_damage": "倒损情况", "address": "所在地",
    },
    "public_security": {
        "case_no": "事故编号", "name": "伤亡人员姓名", "id_number": "证件号码", "event_type": "事故类型",
        "outcome": "伤亡程度", "event_date": "事故日期", "address": "居住地址",
    },
    "hrss": {
        "name": "姓名", "id_number": "公民身份号码", "event": "业务类型", "event_date": "办理日期",
        "employer": "原工作单位", "address": "户籍地址",
    },
    "housing": {
        "name": "房屋户主", "id_number": "身份证号", "grade": "危险等级", "appraisal_date": "鉴定日期",
        "address": "房屋地址",
    },
    "agriculture": {
        "name": "经营主体姓名", "id_number": "证件号", "project": "产业项目", "event_date": "损失日期",
        "loss": "损失金额(元)", "loss_ratio": "减产比例", "address": "地址",
    },
    "water": {
        "township": "乡镇", "village": "行政村", "name": "户主", "id_number": "身份证号码", "problem_type": "存在问题",
        "severity": "影响程度", "affected_people": "影响人口", "report_date": "排查日期", "fix_status": "整改情况",
        "fix_date": "整改日期", "address": "家庭住址",
    },
    "vehicles": {
        "plate_no": "号牌号码", "vehicle_type": "车辆类型", "brand": "品牌型号", "name": "机动车所有人",
        "id_number": "所有人身份证明号码", "register_date": "初次登记日期", "vehicle_status": "机动车状态",
        "address": "住所地址",
    },
    "real_estate": {
        "cert_no": "不动产权证号", "name": "权利人", "id_number": "权利人证件号", "location": "坐落",
        "usage": "规划用途", "area": "建筑面积", "share": "共有情况", "register_date": "登簿日期",
    },
    "market_supervision": {
        "credit_code": "统一社会信用代码", "business_name": "市场主体名称", "business_type": "市场主体类型",
        "name": "经营者", "id_number": "经营者身份证号", "role": "人员身份", "registered_capital": "注册资本",
        "establish_date": "成立日期", "reg_status": "登记状态", "address": "住所",
    },
    "public_payroll": {
        "name": "人员名称", "id_number": "证件号码", "employer": "预算单位", "post": "职务", "staff_type": "人员类别",
        "pay_month": "工资月份", "start_date": "参加工作时间", "monthly_pay": "应发合计",
    },
}  # fmt: skip

AMOUNT_FIELDS = frozenset(
    {"total_cost", "reimbursed", "out_of_pocket", "amount", "self_paid", "loss", "loss_ratio", "area",
     "registered_capital", "monthly_pay"}
)  # fmt: skip
DATE_FIELDS = frozenset(
    {"settle_date", "diagnosis_date", "event_date", "report_date", "issue_date", "appraisal_date",
     "register_date", "establish_date", "start_date"}
)  # fmt: skip
OPTIONAL_DATE_FIELDS = frozenset({"fix_date"})
"""Dates left blank when there is none (an unresolved water problem has no 整改日期)."""


@dataclass(frozen=True)
class FileSpec:
    """One file a department sends."""

    name: str
    """File name pattern; {period} is filled in."""
    fmt: str
    """xlsx or csv."""
    encoding: str = "utf-8"
    title: str | None = None
    """A title row above the header (XLSX); {year} and {month} are filled in."""
    total_row: bool = False
    date_style: str = "iso"
    """iso 2026-11-03 · slash 2026/11/3 · cn 2026年11月3日 · compact 20261103."""
    thousands: bool = False
    """Amounts as text with thousands separators (1,234.50)."""
    with_county: bool = True
    """Full addresses start with 石台县."""
    grade_style: str = "word"
    """disability: word 一级 / digit 1; housing: word C / suffix C级."""
    select: Callable[[Record], bool] | None = None


FILES: dict[str, tuple[FileSpec, ...]] = {
    "medical_insurance": (
        FileSpec("住院结算明细_{period}.xlsx", "xlsx", title="石台县医疗保障局{year}年1-{month}月结算数据",
                 total_row=True, select=lambda r: r.values["visit_type"] == "住院"),
        FileSpec("门诊慢特病结算_{period}.csv", "csv", "utf-8-sig", date_style="compact", thousands=True,
                 with_county=False),
    ),
    "health": (FileSpec("大病慢病确诊登记_{period}.csv", "csv", "gbk", date_style="cn"),),
    "civil_affairs": (FileSpec("社会救助对象名册_{period}.xlsx", "xlsx", date_style="slash"),),
    "education": (
        FileSpec("学生学籍状态_{period}.xlsx", "xlsx", title="石台县教育局{year}年{month}月学生学籍状态统计表"),
    ),
    "disability": (FileSpec("残疾人证办理台账_{period}.csv", "csv", "utf-8", date_style="slash", grade_style="digit"),),
    "emergency": (FileSpec("自然灾害损失登记_{period}.csv", "csv", "gbk", date_style="cn", thousands=True),),
    "public_security": (FileSpec("伤亡人员信息_{period}.xlsx", "xlsx", date_style="compact", with_county=False),),
    "hrss": (FileSpec("失业及就业变动_{period}.csv", "csv", "utf-8-sig", date_style="compact"),),
    "housing": (
        FileSpec("农村房屋安全鉴定结果_{period}.xlsx", "xlsx", title="石台县农村房屋安全鉴定结果汇总表",
                 date_style="cn", grade_style="suffix"),
    ),
    "agriculture": (FileSpec("产业损失登记_{period}.csv", "csv", "utf-8", thousands=True),),
    "water": (
        FileSpec("农村供水保障排查问题台账_{period}.xlsx", "xlsx", title="石台县农村供水保障排查问题台账（{year}年{month}月）",
                 date_style="slash"),
    ),
    "vehicles": (FileSpec("机动车登记信息比对_{period}.csv", "csv", "gbk", date_style="compact", with_county=False),),
    "real_estate": (FileSpec("不动产登记信息比对_{period}.xlsx", "xlsx", date_style="cn"),),
    "market_supervision": (FileSpec("市场主体登记信息_{period}.csv", "csv", "utf-8-sig", thousands=True),),
    "public_payroll": (
        FileSpec("财政供养人员工资发放名册_{period}.xlsx", "xlsx", title="石台县财政供养人员工资发放名册（{year}年{month}月）",
                 total_row=True),
    ),
}  # fmt: skip
SYNTH_SOURCES: tuple[str, ...] = tuple(FILES)
"""The department sources the generator makes extracts for (the catalogue may hold more)."""

_DIGIT_GRADES = {"一级": "1", "二级": "2", "三级": "3", "四级": "4"}


def format_date(d: date, style: str) -> str:
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d:%Y%m%d}"
    return d.isoformat()


def format_amount(v: float, spec: FileSpec) -> Cell:
    if spec.thousands:
        return f"{v:,.2f}" if v >= 1000 else f"{v:.2f}"
    if spec.fmt == "xlsx":
        return float(v)
    return f"{v:.2f}"


def file_path(source: str, spec: FileSpec, period: Period) -> str:
    return f"inbox/{period.text}/{source}/{spec.name.format(period=period.text)}"


def assign_files(records: list[Record]) -> None:
    """Place each record in one of its source's files (first spec whose selector accepts it)."""
    for r in records:
        specs = FILES[r.source]
        r.file_index = next(i for i, s in enumerate(specs) if s.select is None or s.select(r))


def dirty(records: list[Record], rng: random.Random) -> list[Record]:
    """Choose and render dirt; returns the records plus repeated-row copies (right after or later)."""
    out: list[Record] = []
    for r in records:
        spec = FILES[r.source][r.file_index]
        r.dirt = choose_dirt(r, spec.fmt == "xlsx", rng)
        render(r, spec.with_county, rng)
        out.append(r)
        if r.dirt == "repeated_row":
            r.dirt = "clean"
            copy = Record(r.source, r.values, r.subject, r.event_date, seq=r.seq, dirt="repeated_row",
                          file_index=r.file_index, copy_of=r)  # fmt: skip
            copy.name_written, copy.id_written, copy.address_written = (
                r.name_written,
                r.id_written,
                r.address_written,
            )
            out.append(copy)
    return out


def _key(r: Record, fields: tuple[str, ...], written: bool) -> tuple:
    parts: list = []
    for f in fields:
        if f == "id_number":
            parts.append(r.subject.id_number if not written or is_reachable(r) else str(r.id_written))
        elif f == "name":
            parts.append(r.name_written if written else r.subject.name)
        else:
            parts.append(r.values.get(f))  # a field the generator does not write (civil change) is blank
    return tuple(parts)


def drop_key_duplicates(records: list[Record]) -> list[Record]:
    """Keep one record per true natural key: the pipeline would merge such rows as resends."""
    seen: set[tuple] = set()
    out = []
    for r in records:
        k = (r.source, _key(r, get_source(r.source).natural_key, written=False))
        if k not in seen:
            seen.add(k)
            out.append(r)
    return out


def undirty_key_clashes(records: list[Record], rng: random.Random) -> int:
    """Two distinct records whose WRITTEN natural keys coincide (e.g. namesakes both missing an ID) would
    be merged by the pipeline: the later one is written clean instead. Returns how many were fixed."""
    seen: set[tuple] = set()
    fixed = 0
    for r in records:
        if r.copy_of is not None:
            continue
        k = (r.source, _key(r, get_source(r.source).natural_key, written=True))
        if k in seen and r.dirt != "clean" and r.person is not None:
            r.dirt = "clean"
            render(r, FILES[r.source][r.file_index].with_county, rng)
            k = (r.source, _key(r, get_source(r.source).natural_key, written=True))
            fixed += 1
        seen.add(k)
    return fixed


def order_rows(records: list[Record], rng: random.Random) -> list[Record]:
    """Departments sort by date; a repeated row lands just after its original or a few rows later."""
    originals = sorted((r for r in records if r.copy_of is None), key=lambda r: (r.event_date, r.seq))
    copies = [r for r in records if r.copy_of is not None]
    position = {id(r): i for i, r in enumerate(originals)}
    slots: dict[int, list[Record]] = {}
    for c in copies:
        at = min(len(originals) - 1, position[id(c.copy_of)] + rng.choice((0, 0, 1, 3, 7)))
        slots.setdefault(at, []).append(c)
    out: list[Record] = []
    for i, r in enumerate(originals):
        out.append(r)
        out.extend(slots.get(i, []))
    return out


def _cells(r: Record, spec: FileSpec, fields: list[str]) -> list[Cell]:
    row: list[Cell] = []
    for f in fields:
        if f == "name":
            row.append(r.name_written)
        elif f == "id_number":
            row.append(r.id_written)
        elif f == "address":
            row.append(r.address_written)
        elif r.values[f] is None:
            row.append(None)
        elif f in DATE_FIELDS or f in OPTIONAL_DATE_FIELDS:
            row.append(format_date(r.values[f], spec.date_style))
        elif f in AMOUNT_FIELDS:
            row.append(format_amount(r.values[f], spec))
        elif f == "grade" and r.source == "disability" and spec.grade_style == "digit":
            row.append(_DIGIT_GRADES[r.values[f]])
        elif f == "grade" and r.source == "housing" and spec.grade_style == "suffix":
            row.append(r.values[f] + "级")
        else:
            row.append(str(r.values[f]))
    return row


def write_source(
    out_dir: Path, source: str, records: list[Record], period: Period, rng: random.Random
) -> tuple[list[Path], list[list]]:
    """Write a source's files; returns their paths and the truth lines (extract_rows.csv)."""
    headers = HEADERS[source]
    fields = list(headers)
    paths: list[Path] = []
    truth: list[list] = []
    for i, spec in enumerate(FILES[source]):
        rows = order_rows([r for r in records if r.file_index == i], rng)
        rel = file_path(source, spec, period)
        title = spec.title.format(year=period.year, month=period.month) if spec.title else None
        table = Table([headers[f] for f in fields], [_cells(r, spec, fields) for r in rows], title=title)
        if spec.total_row:
            footer: list[Cell] = ["合计", *[""] * (len(fields) - 1)]
            for j, f in enumerate(fields):
                if f in AMOUNT_FIELDS:
                    footer[j] = format_amount(round(sum(float(r.values[f]) for r in rows), 2), spec)
            table.footer = footer
        path = out_dir / rel
        if spec.fmt == "xlsx":
            write_xlsx(path, table)
        else:
            write_csv(path, table, encoding=spec.encoding, crlf=spec.encoding == "gbk")
        paths.append(path)
        for k, r in enumerate(rows):
            person = r.person
            written_id = r.id_written if isinstance(r.id_written, str) else f"{r.id_written:.14E}"
            truth.append([
                source, rel, table.first_data_row + k,
                person.person_id if person else "", person.household.household_id if person else "",
                r.dirt, r.name_written, written_id,
            ])  # fmt: skip
    return paths, truth
