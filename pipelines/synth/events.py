"""Builders of one department record per source, with plausible values around the canonical facts."""

from __future__ import annotations

import random
from datetime import date

from pipelines.synth.people import Person
from pipelines.synth.records import Record, Subject

HOSPITALS = (
    "石台县人民医院",
    "石台县中医医院",
    "池州市人民医院",
    "安徽医科大学第一附属医院",
    "池州市第二人民医院",
)
INPATIENT_DX = (
    "肺炎",
    "脑梗死",
    "冠心病",
    "慢性阻塞性肺疾病",
    "骨折",
    "胆结石",
    "阑尾炎",
    "高血压3级",
    "胃出血",
)
SERIOUS_DX = ("恶性肿瘤", "尿毒症", "白血病", "重性精神病", "儿童先天性心脏病", "终末期肾病")
CHRONIC_DX = ("高血压", "糖尿病", "慢性阻塞性肺疾病", "冠心病", "类风湿关节炎", "慢性肝炎")
OUTPATIENT_DX = ("高血压", "糖尿病", "慢性肾病", "帕金森病", "精神分裂症")
DISABILITY_TYPES = ("肢体", "视力", "听力", "言语", "智力", "精神", "多重")
DISASTERS = ("洪涝", "山体滑坡", "风雹", "低温冷冻和雪灾", "干旱", "泥石流")
HOUSE_DAMAGE = ("无", "一般损坏", "严重损坏", "倒塌")
ACCIDENTS = ("道路交通事故", "刑事案件", "溺水", "坠落", "火灾")
EMPLOYERS = ("苏州某电子有限公司", "杭州某服装厂", "池州某建筑公司", "石台县某茶业公司", "上海某物流公司")
PROJECTS = ("茶叶种植", "油茶种植", "中药材种植", "黑猪养殖", "中华蜂养殖", "水稻种植", "高山蔬菜")
GRADE_WORDS = ("一级", "二级", "三级", "四级")
PROGRAMMES_AID = ("低保", "特困", "临时救助")


def stage_for_age(age: int) -> str:
    if age < 6:
        return "学前"
    if age < 12:
        return "小学"
    if age < 15:
        return "初中"
    if age < 18:
        return "高中" if age % 2 else "中职"
    return "本科" if age < 22 else "研究生"


def school_for(stage: str, town_short: str) -> str:
    return {
        "学前": f"{town_short}中心幼儿园",
        "小学": f"{town_short}中心小学",
        "初中": f"{town_short}初级中学",
        "高中": "石台中学",
        "中职": "石台县职业教育中心",
        "本科": "安徽师范大学",
        "研究生": "安徽大学",
    }.get(stage, "石台中学")


class Builder:
    """Makes one Record per call; numbers such as claim and case numbers are sequential per seed."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _rec(self, source: str, subject: Subject, when: date, values: dict) -> Record:
        return Record(source, values, subject, when, seq=self._next())

    def medical(self, s: Subject, when: date, oop: float, inpatient: bool = True) -> Record:
        r = self.rng
        share = r.uniform(0.12, 0.4) if inpatient else r.uniform(0.3, 0.6)
        total = round(oop / share, 2)
        values = {
            "claim_no": f"JS{self.year}{self.counter + 1:08d}",
            "settle_date": when,
            "hospital": r.choice(HOSPITALS),
            "visit_type": "住院" if inpatient else "门诊慢特病",
            "diagnosis": r.choice(INPATIENT_DX if inpatient else OUTPATIENT_DX),
            "total_cost": total,
            "reimbursed": round(total - oop, 2),
            "out_of_pocket": round(oop, 2),
        }
        return self._rec("medical_insurance", s, when, values)

    def health(self, s: Subject, when: date, category: str) -> Record:
        dx = SERIOUS_DX if category == "大病" else CHRONIC_DX
        values = {
            "disease": self.rng.choice(dx),
            "disease_category": category,
            "diagnosis_date": when,
            "hospital": self.rng.choice(HOSPITALS),
        }
        return self._rec("health", s, when, values)

    def civil(self, s: Subject, when: date, programme: str) -> Record:
        amount = {"低保": 720.0, "特困": 980.0, "临时救助": float(self.rng.choice((1000, 1500, 2000, 3000)))}
        # civil affairs lists say what changed (变动类型): aid is a new enrolment or a one-off payment;
        # exits (低保退出) and funeral records carry it in the programme's own words, the column is blank
        change = ("一次性救助" if programme == "临时救助" else "新增") if programme in amount else None
        values = {
            "programme": programme,
            "change": change,
            "event_date": when,
            "amount": amount.get(programme, 0.0),
        }
        return self._rec("civil_affairs", s, when, values)

    def education(self, s: Subject, when: date, status: str, age: int, town_short: str) -> Record:
        stage = stage_for_age(age)
        paid = 0.0 if stage in ("小学", "初中") else float(self.rng.choice((800, 1500, 3000, 4500, 6800)))
        values = {
            "school": school_for(stage, town_short),
            "stage": stage,
            "status": status,
            "self_paid": paid,
            "report_date": when,
        }
        return self._rec("education", s, when, values)

    def disability(self, s: Subject, when: date, grade: str) -> Record:
        values = {
            "certificate_no": f"CJ{self.year % 100:02d}{self.counter + 1:07d}",
            "disability_type": self.rng.choice(DISABILITY_TYPES),
            "grade": grade,
            "issue_date": when,
        }
        return self._rec("disability", s, when, values)

    def emergency(self, s: Subject, when: date, loss: float) -> Record:
        damage = HOUSE_DAMAGE[min(3, int(loss // 8000))]
        values = {
            "disaster_type": self.rng.choice(DISASTERS),
            "event_date": when,
            "loss": round(loss, 2),
            "house_damage": damage,
        }
        return self._rec("emergency", s, when, values)

    def public_security(self, s: Subject, when: date, outcome: str) -> Record:
        values = {
            "case_no": f"A34172{self.year}{self.counter + 1:06d}",
            "event_type": self.rng.choice(ACCIDENTS),
            "outcome": outcome,
            "event_date": when,
        }
        return self._rec("public_security", s, when, values)

    def hrss(self, s: Subject, when: date, event: str) -> Record:
        values = {"event": event, "event_date": when, "employer": self.rng.choice(EMPLOYERS)}
        return self._rec("hrss", s, when, values)

    def housing(self, s: Subject, when: date, grade: str) -> Record:
        return self._rec("housing", s, when, {"grade": grade, "appraisal_date": when})

    def agriculture(self, s: Subject, when: date, loss: float) -> Record:
        values = {
            "project": self.rng.choice(PROJECTS),
            "event_date": when,
            "loss": round(loss, 2),
            "loss_ratio": float(self.rng.randint(10, 90)),
        }
        return self._rec("agriculture", s, when, values)


# ---- water and the exclusion checks (信息比对) ------------------------------------------------------
WATER_PROBLEMS = ("水量不足", "水质不达标", "取水不便", "供水保证率不达标", "管网老化漏损", "季节性缺水")
WATER_SEVERITY = ("一般", "一般", "较重", "严重")
WATER_FIXED = ("已解决", "已解决", "已整改", "已完成", "已修复")
WATER_OPEN = ("整改中", "整改中", "未整改", "未解决")
CARS = ("小型轿车", "小型普通客车", "小型越野客车", "轻型普通货车", "中型普通货车", "低速货车")
MOTOR_TYPES = ("二轮摩托车", "普通二轮摩托车", "正三轮摩托车", "三轮汽车")
CAR_BRANDS = ("五菱宏光", "大众朗逸", "丰田卡罗拉", "长安CS75", "吉利帝豪", "比亚迪秦", "哈弗H6", "江淮帅铃")
MOTOR_BRANDS = ("豪爵", "五羊本田", "宗申", "隆鑫", "大阳", "雅马哈")
VEHICLE_OK = ("正常", "正常", "正常", "逾期未检验", "违法未处理")
VEHICLE_GONE = ("注销", "报废", "已注销", "已报废")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ESTATES = ("仁里镇秋浦花园", "仁里镇翠峰苑", "仁里镇江南名都", "七都镇集镇安置小区", "池州市贵池区清溪花园")
TOWN_USAGES = ("住宅", "住宅", "住宅", "商业", "商住")
HOMESTEAD_USAGES = ("宅基地及农房", "宅基地", "农村宅基地及房屋")
SHARES = ("单独所有", "单独所有", "共同共有", "按份共有")
BUSINESS_KINDS = (
    ("个体工商户", "经营者", ("农家乐", "便利店", "茶叶店", "农资店", "小吃店", "五金店", "理发店")),
    ("有限责任公司(自然人投资或控股)", "法定代表人", ("茶业有限公司", "农业开发有限公司", "建材有限公司")),
    ("农民专业合作社", "法定代表人", ("茶叶专业合作社", "中药材种植专业合作社", "养殖专业合作社")),
)
BUSINESS_OK = ("存续", "存续", "在业", "开业")
BUSINESS_GONE = ("注销", "吊销", "已注销", "已吊销")
PAYROLL_EMPLOYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("人民政府", "在编在岗", ("科员", "副科级", "科长", "办事员")),
    ("中心小学", "在编在岗", ("教师", "一级教师", "高级教师")),
    ("卫生院", "在编在岗", ("医师", "护士", "药剂师")),
    ("农业综合服务站", "编外聘用", ("技术员", "办事员")),
    ("人民政府", "退休", ("退休干部",)),
)
COUNTY_EMPLOYERS = (
    "石台县人民医院",
    "石台中学",
    "石台县农业农村局",
    "石台县自然资源和规划局",
    "石台县财政局",
)
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class CheckBuilder(Builder):
    """Rows for water and the four exclusion-check sources (see Builder)."""

    def water(self, s: Subject, when: date, fixed: bool, members: int, end: date) -> Record:
        r = self.rng
        village = s.household.village if isinstance(s, Person) else s.village
        # water is reported for a place in the county: the planters pass persons and village strangers
        assert village is not None
        fix_date = min(end, date.fromordinal(when.toordinal() + r.randint(3, 60))) if fixed else None
        values = {
            "township": village.township.name,
            "village": village.name,
            "problem_type": r.choice(WATER_PROBLEMS),
            "severity": r.choice(WATER_SEVERITY),
            "affected_people": members,
            "report_date": when,
            "fix_status": r.choice(WATER_FIXED) if fixed else r.choice(WATER_OPEN),
            "fix_date": fix_date,
        }
        return self._rec("water", s, when, values)

    def vehicle(self, s: Subject, when: date, vehicle_type: str, status: str) -> Record:
        r = self.rng
        motor = "摩托" in vehicle_type or "三轮" in vehicle_type
        plate = "皖R" + "".join(r.choice(PLATE_LETTERS if i == 0 else "0123456789" + PLATE_LETTERS[:6])
                               for i in range(5))  # fmt: skip
        values = {
            "plate_no": plate,
            "vehicle_type": vehicle_type,
            "brand": r.choice(MOTOR_BRANDS if motor else CAR_BRANDS),
            "register_date": when,
            "vehicle_status": status,
        }
        return self._rec("vehicles", s, when, values)

    def real_estate(self, s: Subject, when: date, homestead: bool) -> Record:
        r = self.rng
        n = self._next()
        if homestead:
            usage, area = r.choice(HOMESTEAD_USAGES), r.uniform(80, 260)
            v = s.household.village if isinstance(s, Person) else s.village
            location = f"石台县{v.township.name}{v.name}" if v is not None else "石台县仁里镇"
        else:
            usage, area = r.choice(TOWN_USAGES), r.uniform(45, 140)
            location = f"{r.choice(ESTATES)}{r.randint(1, 18)}栋{r.randint(1, 6)}0{r.randint(1, 4)}室"
        values = {
            "cert_no": f"皖({when.year})石台县不动产权第{n:07d}号",
            "location": location,
            "usage": usage,
            "area": round(area, 2),
            "share": r.choice(SHARES),
            "register_date": when,
        }
        rec = Record("real_estate", values, s, when, seq=n)
        rec.extra["fields"] = ("name", "id_number")  # no address column: no abbreviated address
        return rec

    def business(self, s: Subject, when: date, status: str) -> Record:
        r = self.rng
        kind, role, trades = r.choice(BUSINESS_KINDS)
        n = self._next()
        code = "92341722" if kind == "个体工商户" else "91341722"
        code += "".join(r.choice(_CODE_CHARS) for _ in range(10))
        capital = (
            float(r.choice((10000, 30000, 50000, 100000)))
            if kind == "个体工商户"
            else float(r.choice((200000, 500000, 1000000, 3000000)))
        )
        if role == "法定代表人" and r.random() < 0.3:
            role = "股东"
        values = {
            "credit_code": code,
            "business_name": f"石台县{s.name[0]}{r.choice('记家氏')}{r.choice(trades)}"
            if kind == "个体工商户"
            else f"石台县{r.choice(('秋浦', '牯牛降', '醉山野', '七都', '仙寓'))}{r.choice(trades)}",
            "business_type": kind,
            "role": role,
            "registered_capital": capital,
            "establish_date": when,
            "reg_status": status,
        }
        return Record("market_supervision", values, s, when, seq=n)

    def payroll(self, s: Subject, when: date, town_name: str, pay_month: str) -> Record:
        r = self.rng
        posts: tuple[str, ...]
        if r.random() < 0.3:
            employer, staff_type, posts = r.choice(COUNTY_EMPLOYERS), "在编在岗", ("科员", "教师", "医师")
        else:
            unit, staff_type, posts = r.choice(PAYROLL_EMPLOYERS)
            employer = f"{town_name}{unit}"
        pay = (
            r.uniform(2600, 3500)
            if staff_type == "退休" or staff_type == "编外聘用"
            else r.uniform(4200, 7800)
        )
        values = {
            "employer": employer,
            "post": r.choice(posts),
            "staff_type": staff_type,
            "pay_month": pay_month,
            "start_date": when,
            "monthly_pay": round(pay, 2),
        }
        rec = self._rec("public_payroll", s, when, values)
        rec.extra["fields"] = ("name", "id_number")
        return rec
