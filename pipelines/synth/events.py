"""Builders of one department record per source, with plausible values around the canonical facts."""

from __future__ import annotations

import random
from datetime import date

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
        values = {"programme": programme, "event_date": when, "amount": amount.get(programme, 0.0)}
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
