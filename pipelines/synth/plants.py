"""What the departments report: planted risks (hits), near misses that must not fire, and background noise.

Hits and near misses are planted per township and rule; noise rows about registry people are kept
well clear of every trigger. The truth is still computed from the rows afterwards (truth.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.synth.events import GRADE_WORDS, PROGRAMMES_AID, Builder
from pipelines.synth.names import NameSampler
from pipelines.synth.people import Household, IdFactory, Person, Population, birth_for_age
from pipelines.synth.places import OUTSIDE_ADDRESSES, TOWNSHIPS, Village
from pipelines.synth.records import Record, Stranger, Subject
from pipelines.synth.truth import RULES_BY_SOURCE
from pipelines.synth.windows import Period, age_at

HIT_RATE = 0.0025
"""Planted hits per household, per rule and township (at least one each)."""
NEAR_RATE = 0.0025
STRANGER_SHARE = 0.25
NOISE_AT_30K: dict[str, int] = {
    "medical_insurance": 13500,
    "health": 1500,
    "civil_affairs": 1500,
    "education": 3000,
    "disability": 800,
    "emergency": 1000,
    "public_security": 500,
    "hrss": 2000,
    "housing": 1200,
    "agriculture": 800,
}


@dataclass(frozen=True)
class Intent:
    household_id: str
    rule_id: str
    kind: str
    """hit (must fire) or near (must not fire)."""


class Planner:
    def __init__(self, pop: Population, period: Period, rng: random.Random, names: NameSampler) -> None:
        self.pop, self.p, self.rng, self.names = pop, period, rng, names
        self.ids = IdFactory(rng, pop.used_ids)
        self.build = Builder(rng, period.year)
        self.age = {p.person_id: age_at(p.birth, period.end) for p in pop.persons}
        self.villages: list[Village] = sorted({id(h.village): h.village for h in pop.households}.values(),
                                              key=lambda v: (v.township.code, v.index))  # fmt: skip
        self._age_pools: dict[tuple[int, int], list[Person]] = {}
        self.intents: list[Intent] = []
        self.planted: dict[str, set[str]] = {}
        self.records: dict[str, list[Record]] = {}

    # ---- helpers -------------------------------------------------------------------------------
    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def month_days(self, back: int) -> tuple[date, date]:
        """First and last day of the month `back` months before the period month."""
        return self.p.month_start(back), self.p.month_start(back - 1) - timedelta(days=1)

    def in_month(self) -> date:
        return self.day(self.p.start, self.p.end)

    def before_month(self, lo: int = 1, hi: int = 6) -> date:
        a, _ = self.month_days(hi)
        _, b = self.month_days(lo)
        return self.day(a, b)

    def ytd_before_month(self) -> date:
        if self.p.month == 1:
            return self.before_month(1, 3)
        return self.day(self.p.ytd_start, self.p.start - timedelta(days=1))

    def pool(self, lo: int, hi: int) -> list[Person]:
        key = (lo, hi)
        if key not in self._age_pools:
            self._age_pools[key] = [p for p in self.pop.persons if lo <= self.age[p.person_id] <= hi]
        return self._age_pools[key]

    def members(self, hh: Household, lo: int = 0, hi: int = 200) -> list[Person]:
        return [m for m in hh.members if lo <= self.age[m.person_id] <= hi]

    def stranger(self, lo: int = 0, hi: int = 90) -> Stranger:
        r = self.rng
        age = r.randint(lo, hi)
        namesake_pool = self.pool(max(0, lo - 10), min(100, hi + 10))
        if r.random() < 0.5 and namesake_pool:
            twin = r.choice(namesake_pool)
            sex, name, same = twin.sex, twin.name, True
            home = twin.household.village if r.random() < 0.6 else r.choice(self.villages)
        else:
            sex = "男" if r.random() < 0.5 else "女"
            name, same = self.names.full(sex), False
            home = r.choice(self.villages) if r.random() < 0.6 else None
        birth = birth_for_age(age, self.p.end, r)
        code = "341722" if home is not None or r.random() < 0.3 else r.choice(("341702", "340822", "342901"))
        group = r.randint(1, home.n_groups) if home else 0
        outside = "" if home else r.choice(OUTSIDE_ADDRESSES)
        return Stranger(name, self.ids.make(birth, sex, code), sex, birth, home, group, outside, same)

    def noise_subject(self, source: str, lo: int = 0, hi: int = 100) -> Subject | None:
        if self.rng.random() < STRANGER_SHARE:
            return self.stranger(lo, min(hi, 90))
        person = self.rng.choice(self.pool(lo, hi))
        if person.household.household_id in self.planted.get(source, set()):
            return None
        return person

    def add(self, recs: list[Record]) -> None:
        for r in recs:
            self.records.setdefault(r.source, []).append(r)

    def split(self, total: float, k: int) -> list[float]:
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(k)]
        return [total * w / sum(weights) for w in weights]

    # ---- planted hits and near misses, one function per rule -------------------------------------
    def _sum_rule(self, hh: Household, kind: str, source: str, make: Callable) -> list[Record] | None:
        rule = RULES_BY_SOURCE[source]
        line = rule.threshold(hh)
        r = self.rng
        ytd = rule.window == "year_to_date"
        win_start = self.p.ytd_start if ytd else self.p.last3_start + timedelta(days=7)
        k = r.randint(1, min(3, len(hh.members)))
        if kind == "hit":
            parts = self.split(line * r.uniform(1.05, 1.5), k)
            dates = [self.day(win_start, self.p.end) for _ in parts]
        elif r.random() < 0.6:
            parts = self.split(line * r.uniform(0.5, 0.92), k)
            dates = [self.day(win_start, self.p.end) for _ in parts]
        else:  # a large amount outside the window
            parts = [line * r.uniform(1.1, 1.8)]
            # last December for a year-to-date rule; 4-8 months back for a 3-month rule
            start, end = (
                self.month_days(self.p.month) if ytd else (self.month_days(8)[0], self.month_days(4)[1])
            )
            dates = [self.day(start, end)]
        out = []
        for amount, when in zip(parts, dates, strict=True):
            out.append(make(r.choice(hh.members), when, round(amount, 2)))
        return out

    def plant(self, rule_id: str, hh: Household, kind: str) -> list[Record] | None:
        b, r = self.build, self.rng
        hit = kind == "hit"
        head = hh.members[0]
        if rule_id == "ILL-001":
            return self._sum_rule(hh, kind, "medical_insurance", lambda s, d, a: b.medical(s, d, a, True))
        if rule_id == "DSR-001":
            return self._sum_rule(hh, kind, "emergency", b.emergency)
        if rule_id == "IND-001":
            return self._sum_rule(hh, kind, "agriculture", b.agriculture)
        if rule_id == "ILL-002":
            who = r.choice(hh.members)
            if hit:
                return [b.health(who, self.in_month(), "大病")]
            return [
                b.health(who, self.before_month(1, 3), "大病")
                if r.random() < 0.5
                else b.health(who, self.in_month(), "慢病")
            ]
        if rule_id == "SCH-001":
            town = hh.township.short
            kids = self.members(hh, 6, 15)
            if hit:
                if not kids:
                    return None
                kid = r.choice(kids)
                return [
                    b.education(
                        kid, self.in_month(), r.choice(("辍学", "失学")), self.age[kid.person_id], town
                    )
                ]
            teens = self.members(hh, 16, 19)
            if teens and r.random() < 0.5:
                kid = r.choice(teens)
                return [b.education(kid, self.in_month(), "辍学", self.age[kid.person_id], town)]
            if not kids:
                return None
            kid = r.choice(kids)
            if r.random() < 0.5:
                return [b.education(kid, self.in_month(), "在读", self.age[kid.person_id], town)]
            return [b.education(kid, self.before_month(1, 3), "辍学", self.age[kid.person_id], town)]
        if rule_id == "DAB-001":
            who = r.choice(hh.members)
            if hit:
                return [b.disability(who, self.in_month(), r.choice(GRADE_WORDS[:2]))]
            if r.random() < 0.5:
                return [b.disability(who, self.in_month(), r.choice(GRADE_WORDS[2:]))]
            return [b.disability(who, self.before_month(1, 10), r.choice(GRADE_WORDS[:2]))]
        if rule_id in ("EMP-001", "ACC-001"):
            events = ("失业登记", "解除劳动合同") if rule_id == "EMP-001" else ("受伤", "致残", "死亡")
            make = b.hrss if rule_id == "EMP-001" else b.public_security
            workers = self.members(hh, 16, 60)
            if hit:
                return [make(r.choice(workers), self.in_month(), r.choice(events))] if workers else None
            others = self.members(hh, 61, 200) + self.members(hh, 0, 15)
            if others and r.random() < 0.5:
                return [make(r.choice(others), self.in_month(), r.choice(events))]
            if not workers:
                return None
            if rule_id == "EMP-001" and r.random() < 0.3:
                return [make(r.choice(workers), self.in_month(), "就业登记")]
            return [make(r.choice(workers), self.before_month(1, 4), r.choice(events))]
        if rule_id == "AST-001":
            if hit:
                return [b.civil(head, self.in_month(), r.choice(PROGRAMMES_AID))]
            if r.random() < 0.5:
                return [b.civil(head, self.in_month(), r.choice(("低保退出", "特困退出")))]
            return [b.civil(head, self.before_month(1, 6), r.choice(PROGRAMMES_AID))]
        if rule_id == "HOU-001":
            if hit:
                return [
                    b.housing(
                        head, self.day(self.p.last12_start + timedelta(days=31), self.p.end), r.choice("CD")
                    )
                ]
            if r.random() < 0.5:
                return [b.housing(head, self.day(self.p.last12_start, self.p.end), r.choice("AB"))]
            return [b.housing(head, self.before_month(13, 30), r.choice("CD"))]
        raise KeyError(f"no planting for rule {rule_id!r}")

    def plant_all(self) -> None:
        by_town: dict[str, list[Household]] = {}
        for hh in self.pop.households:
            by_town.setdefault(hh.township.code, []).append(hh)
        for source, rule in RULES_BY_SOURCE.items():
            taken = self.planted.setdefault(source, set())
            for t in TOWNSHIPS:
                households = list(by_town.get(t.code, []))
                if not households:
                    continue
                self.rng.shuffle(households)
                # half the hits go to low-threshold segments so both thresholds are exercised
                households.sort(key=lambda h: (h.segment == "ordinary") if self.rng.random() < 0.5 else 0)
                n_hit = max(1, round(len(households) * HIT_RATE))
                n_near = max(1, round(len(households) * NEAR_RATE))
                wanted = [("hit", n_hit), ("near", n_near)]
                it = iter(households)
                for kind, n in wanted:
                    done = 0
                    for hh in it:
                        if done >= n:
                            break
                        recs = self.plant(rule.rule_id, hh, kind)
                        if not recs:
                            continue
                        taken.add(hh.household_id)
                        self.add(recs)
                        self.intents.append(Intent(hh.household_id, rule.rule_id, kind))
                        done += 1

    # ---- background noise ------------------------------------------------------------------------
    def noise_all(self, households: int) -> None:
        scale = households / 30000
        for source, n30k in NOISE_AT_30K.items():
            n = max(20, round(n30k * scale))
            capped: dict[str, float] = {}
            for _ in range(n):
                rec = self.noise_one(source, capped)
                if rec is not None:
                    self.add([rec])

    def noise_one(self, source: str, capped: dict[str, float]) -> Record | None:
        b, r = self.build, self.rng
        lo, hi = (3, 22) if source == "education" else (0, 100)
        s = self.noise_subject(source, lo, hi)
        if s is None:
            return None
        stranger = isinstance(s, Stranger)
        age = age_at(s.birth, self.p.end)
        wild = stranger and r.random() < 0.4  # strangers may carry events that would fire

        def cap(amount: float, limit: float) -> bool:
            if stranger:
                return True
            hid = s.household.household_id
            if capped.get(hid, 0.0) + amount >= limit:
                return False
            capped[hid] = capped.get(hid, 0.0) + amount
            return True

        if source == "medical_insurance":
            oop = r.uniform(6000, 30000) if wild else min(2000.0, r.expovariate(1 / 300) + 20)
            when = self.day(self.p.ytd_start, self.p.end)
            return b.medical(s, when, oop, r.random() < 0.6) if cap(oop, 2400) else None
        if source in ("emergency", "agriculture"):
            loss = r.uniform(12000, 50000) if wild else r.uniform(200, 3000)
            when = (
                self.day(self.p.ytd_start, self.p.end)
                if self.p.month > 3
                else self.day(self.p.last12_start, self.p.end)
            )
            make = b.emergency if source == "emergency" else b.agriculture
            return make(s, when, loss) if cap(loss, 4000) else None
        if source == "health":
            if wild:
                return b.health(s, self.in_month(), "大病")
            if r.random() < 0.2:
                return b.health(s, self.before_month(1, 8), "大病")
            return b.health(s, self.day(self.p.ytd_start, self.p.end), "慢病")
        if source == "civil_affairs":
            if wild or r.random() < 0.4:
                return b.civil(
                    s, self.before_month(1, 8) if not wild else self.in_month(), r.choice(PROGRAMMES_AID)
                )
            return b.civil(
                s, self.day(self.p.ytd_start, self.p.end), r.choice(("低保退出", "特困退出", "死亡火化"))
            )
        if source == "education":
            town = s.household.township.short if isinstance(s, Person) else "仁里"
            if wild and 6 <= age <= 15:
                return b.education(s, self.in_month(), "辍学", age, town)
            u = r.random()
            if u < 0.8:
                return b.education(s, self.in_month(), "在读", age, town)
            if u < 0.9:
                return b.education(s, self.before_month(1, 8), r.choice(("毕业", "转学", "休学")), age, town)
            if age >= 16:
                return b.education(s, self.in_month(), r.choice(("辍学", "失学")), age, town)
            return b.education(s, self.before_month(2, 8), "辍学", age, town)
        if source == "disability":
            if wild or r.random() < 0.3:
                return b.disability(
                    s, self.in_month() if wild else self.before_month(1, 30), r.choice(GRADE_WORDS[:2])
                )
            return b.disability(s, self.before_month(0, 30), r.choice(GRADE_WORDS[2:]))
        if source == "public_security":
            outcome = r.choice(("受伤", "受伤", "致残", "死亡"))
            if wild or not 16 <= age <= 60:
                return b.public_security(s, self.in_month(), outcome)
            return b.public_security(s, self.before_month(1, 10), outcome)
        if source == "hrss":
            if wild:
                return b.hrss(s, self.in_month(), "失业登记")
            if r.random() < 0.7:
                return b.hrss(s, self.day(self.p.ytd_start, self.p.end), r.choice(("就业登记", "返乡")))
            return b.hrss(s, self.before_month(1, 8), r.choice(("失业登记", "解除劳动合同")))
        if source == "housing":
            if wild:
                return b.housing(s, self.in_month(), r.choice("CD"))
            if r.random() < 0.8:
                return b.housing(s, self.day(self.p.last12_start, self.p.end), r.choice("AAB"))
            return b.housing(s, self.before_month(14, 36), r.choice("CD"))
        raise KeyError(f"unknown source {source!r}")
