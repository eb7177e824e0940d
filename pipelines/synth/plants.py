"""What the departments report: planted risks (hits), near misses that must not fire, and background noise.

Hits and near misses are planted per township and rule; noise rows about registry people are kept
well clear of every trigger. The truth is still computed from the rows afterwards (truth.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import zip_longest

from pipelines.synth.events import (
    BUSINESS_GONE,
    BUSINESS_OK,
    CARS,
    GRADE_WORDS,
    MOTOR_TYPES,
    PROGRAMMES_AID,
    VEHICLE_GONE,
    VEHICLE_OK,
    Builder,
    CheckBuilder,
)
from pipelines.synth.names import NameSampler
from pipelines.synth.people import Household, IdFactory, Person, Population, birth_for_age
from pipelines.synth.places import OUTSIDE_ADDRESSES, TOWNSHIPS, Village
from pipelines.synth.records import Record, Stranger, Subject
from pipelines.synth.truth import CHECK_RULES, RULES_BY_SOURCE
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
            home: Village | None = twin.household.village if r.random() < 0.6 else r.choice(self.villages)
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
            return [b.education(kid, self.before_month(3, 6), "辍学", self.age[kid.person_id], town)]
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
            return [make(r.choice(workers), self.before_month(3, 6), r.choice(events))]
        if rule_id == "AST-001":
            if hit:
                return [b.civil(head, self.in_month(), r.choice(PROGRAMMES_AID))]
            if r.random() < 0.5:
                return [b.civil(head, self.in_month(), r.choice(("低保退出", "特困退出")))]
            return [b.civil(head, self.before_month(3, 8), r.choice(PROGRAMMES_AID))]
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
            if isinstance(s, Stranger):  # = `stranger`, written so the type checker narrows s
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
                    s, self.before_month(3, 10) if not wild else self.in_month(), r.choice(PROGRAMMES_AID)
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
            return b.education(s, self.before_month(3, 9), "辍学", age, town)
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
            return b.public_security(s, self.before_month(3, 12), outcome)
        if source == "hrss":
            if wild:
                return b.hrss(s, self.in_month(), "失业登记")
            if r.random() < 0.7:
                return b.hrss(s, self.day(self.p.ytd_start, self.p.end), r.choice(("就业登记", "返乡")))
            return b.hrss(s, self.before_month(3, 10), r.choice(("失业登记", "解除劳动合同")))
        if source == "housing":
            if wild:
                return b.housing(s, self.in_month(), r.choice("CD"))
            if r.random() < 0.8:
                return b.housing(s, self.day(self.p.last12_start, self.p.end), r.choice("AAB"))
            return b.housing(s, self.before_month(14, 36), r.choice("CD"))
        raise KeyError(f"unknown source {source!r}")


# ---- water and the exclusion checks (信息比对): their own rng stream, after everything above ---------
CHECK_NOISE_AT_30K: dict[str, int] = {
    "water": 400,
    "vehicles": 450,
    "real_estate": 400,
    "market_supervision": 300,
    "public_payroll": 300,
}
CHECK_HIT_RATE = 0.0008
"""Exclusion hits per household and township: a deliberate few monitored households (at least one)."""
CHECK_NEAR_RATE = 0.0015
LOW_NOISE_SHARE = 0.15
"""Share of exclusion-check noise rows about monitored / poverty-exit people (never firing values)."""


class CheckPlanner(Planner):
    """Plants WAT-001 and EXC-001..004 hits and near misses, and their sources' background rows."""

    build: CheckBuilder

    def __init__(self, pop: Population, period: Period, rng: random.Random, names: NameSampler) -> None:
        super().__init__(pop, period, rng, names)
        self.build = CheckBuilder(rng, period.year)
        adults = [p for p in pop.persons if 20 <= self.age[p.person_id] <= 70]
        ordinary = sorted(h.income for h in pop.households if h.segment == "ordinary")
        median = ordinary[len(ordinary) // 2] if ordinary else 0
        self.well_off = [
            p for p in adults if p.household.segment == "ordinary" and p.household.income >= median
        ]
        self.well_off = self.well_off or adults
        self.low = [p for p in adults if p.household.segment != "ordinary"] or adults
        self.pay_month = f"{period.year}{period.month:02d}"

    def since(self, year: int) -> date:
        return self.day(date(year, 1, 1), self.p.end)

    def older_than_window(self) -> date:
        """4 to 9 months back: outside last_3_months."""
        return self.day(self.month_days(9)[0], self.month_days(3)[1])

    def adult(self, hh: Household) -> Person:
        return self.rng.choice(self.members(hh, 18, 75) or hh.members)

    def village_stranger(self, lo: int, hi: int) -> Stranger | None:
        for _ in range(5):
            s = self.stranger(lo, hi)
            if s.village is not None:
                return s
        return None

    def plant_check(self, rule_id: str, hh: Household, kind: str) -> list[Record] | None:
        b, r = self.build, self.rng
        hit = kind == "hit"
        monitored = hh.segment == "monitored"
        if rule_id == "WAT-001":
            head, n = hh.members[0], len(hh.members)
            if hit:
                return [b.water(head, self.day(self.p.last3_start, self.p.end), False, n, self.p.end)]
            if r.random() < 0.5:
                return [b.water(head, self.day(self.p.last3_start, self.p.end), True, n, self.p.end)]
            return [b.water(head, self.older_than_window(), False, n, self.p.end)]
        if hit and not monitored:
            return None
        who = self.adult(hh)
        if rule_id == "EXC-001":
            if hit or not monitored:
                return [b.vehicle(who, self.since(2012), r.choice(CARS), r.choice(VEHICLE_OK))]
            if r.random() < 0.5:
                return [b.vehicle(who, self.since(2010), r.choice(MOTOR_TYPES), r.choice(VEHICLE_OK))]
            return [b.vehicle(who, self.since(2005), r.choice(CARS), r.choice(VEHICLE_GONE))]
        if rule_id == "EXC-002":
            return [b.real_estate(who, self.since(2008), homestead=monitored and not hit)]
        if rule_id == "EXC-003":
            status = r.choice(BUSINESS_OK) if hit or not monitored else r.choice(BUSINESS_GONE)
            return [b.business(who, self.since(2012), status)]
        if rule_id == "EXC-004":
            if monitored and not hit:
                return None
            return [
                b.payroll(who, self.day(date(1995, 1, 1), self.p.start), hh.township.name, self.pay_month)
            ]
        raise KeyError(f"no planting for rule {rule_id!r}")

    def plant_checks(self) -> None:
        by_town: dict[str, list[Household]] = {}
        for hh in self.pop.households:
            by_town.setdefault(hh.township.code, []).append(hh)
        for rule in CHECK_RULES:
            taken = self.planted.setdefault(rule.source, set())
            water = rule.rule_id == "WAT-001"
            for t in TOWNSHIPS:
                households = list(by_town.get(t.code, []))
                if not households:
                    continue
                self.rng.shuffle(households)
                if not water:  # hits need monitored households: try those first
                    households.sort(key=lambda h: h.segment != "monitored")
                n_hit = max(1, round(len(households) * (HIT_RATE if water else CHECK_HIT_RATE)))
                n_near = max(1, round(len(households) * (NEAR_RATE if water else CHECK_NEAR_RATE)))
                rest: list[Household] = []
                done = 0
                for hh in households:
                    recs = self.plant_check(rule.rule_id, hh, "hit") if done < n_hit else None
                    if not recs:
                        rest.append(hh)
                        continue
                    taken.add(hh.household_id)
                    self.add(recs)
                    self.intents.append(Intent(hh.household_id, rule.rule_id, "hit"))
                    done += 1
                # near misses: half on monitored households (the non-firing variants), half on others
                self.rng.shuffle(rest)
                mon = [h for h in rest if h.segment == "monitored"]
                other = [h for h in rest if h.segment != "monitored"]
                rest = [h for pair in zip_longest(mon, other) for h in pair if h is not None]
                done = 0
                for hh in rest:
                    if done >= n_near:
                        break
                    recs = self.plant_check(rule.rule_id, hh, "near")
                    if not recs:
                        continue
                    taken.add(hh.household_id)
                    self.add(recs)
                    self.intents.append(Intent(hh.household_id, rule.rule_id, "near"))
                    done += 1

    def noise_checks(self, households: int) -> None:
        scale = households / 30000
        for source, n30k in CHECK_NOISE_AT_30K.items():
            for _ in range(max(20, round(n30k * scale))):
                rec = self.check_noise_one(source)
                if rec is not None:
                    self.add([rec])

    def check_noise_one(self, source: str) -> Record | None:
        b, r, p = self.build, self.rng, self.p
        s: Subject | None
        if source == "water":
            if r.random() < STRANGER_SHARE:
                s = self.village_stranger(20, 85)
                if s is None:
                    return None
                wild = r.random() < 0.4
                n = r.randint(1, 6)
            else:
                hh = r.choice(self.pop.households)
                if hh.household_id in self.planted.get(source, set()):
                    return None
                s, wild, n = hh.members[0], False, len(hh.members)
            if wild:
                return b.water(s, self.day(p.last3_start, p.end), False, n, p.end)
            if r.random() < 0.7:
                return b.water(s, self.day(p.last12_start, p.end), True, n, p.end)
            return b.water(s, self.day(p.last12_start, self.month_days(3)[1]), False, n, p.end)
        low = False
        if r.random() < STRANGER_SHARE:
            s = self.stranger(20, 70)
        else:
            low = source != "public_payroll" and r.random() < LOW_NOISE_SHARE
            person = r.choice(self.low if low else self.well_off)
            if person.household.household_id in self.planted.get(source, set()):
                return None
            s = person
        if source == "vehicles":
            if low:
                if r.random() < 0.7:
                    return b.vehicle(s, self.since(2008), r.choice(MOTOR_TYPES), r.choice(VEHICLE_OK))
                return b.vehicle(s, self.since(2005), r.choice(CARS), r.choice(VEHICLE_GONE))
            if r.random() < 0.2:
                return b.vehicle(s, self.since(2008), r.choice(MOTOR_TYPES), r.choice(VEHICLE_OK))
            status = r.choice(VEHICLE_GONE) if r.random() < 0.1 else r.choice(VEHICLE_OK)
            return b.vehicle(s, self.since(2010), r.choice(CARS), status)
        if source == "real_estate":
            return b.real_estate(s, self.since(2005), homestead=low or r.random() < 0.4)
        if source == "market_supervision":
            status = r.choice(BUSINESS_GONE) if low or r.random() < 0.25 else r.choice(BUSINESS_OK)
            return b.business(s, self.since(2010), status)
        if source == "public_payroll":
            town = s.household.township.name if isinstance(s, Person) else r.choice(TOWNSHIPS).name
            return b.payroll(s, self.day(date(1990, 1, 1), p.start), town, self.pay_month)
        raise KeyError(f"unknown source {source!r}")
