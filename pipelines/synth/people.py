"""Households and persons: composition, segments, income, grids, names and unique valid ID numbers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipelines.normalize.idcard import check_char
from pipelines.synth.names import NameSampler
from pipelines.synth.places import COUNTY_CODE, Township, Village

OTHER_ADDRESS_CODES: tuple[str, ...] = ("341702", "340822", "342901", "341721", "340826", "341723")
SIZE_WEIGHTS: tuple[float, ...] = (0.12, 0.22, 0.21, 0.2, 0.13, 0.08, 0.04)


@dataclass(slots=True)
class Person:
    person_id: str
    name: str
    id_number: str
    sex: str
    birth: date
    relation: str
    household: Household


@dataclass(slots=True)
class Household:
    household_id: str
    village: Village
    group: int
    household_type: str
    """脱贫户 or 一般农户."""
    monitoring_type: str
    """脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户, or ''."""
    risk_eliminated: str
    """是 / 否 for monitored households, else ''."""
    income: int
    phone: str
    grid: str = ""
    grid_worker: str = ""
    members: list[Person] = field(default_factory=list)

    @property
    def township(self) -> Township:
        return self.village.township

    @property
    def segment(self) -> str:
        """monitored / poverty_exit / ordinary, as the rulebook defines them."""
        if self.monitoring_type and self.risk_eliminated != "是":
            return "monitored"
        return "poverty_exit" if self.household_type == "脱贫户" else "ordinary"


@dataclass
class Population:
    households: list[Household]
    persons: list[Person]
    used_ids: set[str]
    """Every ID number handed out (registry and strangers): new ones must avoid these."""


class IdFactory:
    """Unique, valid 18-digit ID numbers consistent with birth date and sex."""

    def __init__(self, rng: random.Random, used: set[str] | None = None) -> None:
        self.rng = rng
        self.used: set[str] = used if used is not None else set()

    def make(self, birth: date, sex: str, address: str) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
            if seq == 0:
                continue
            first17 = f"{address}{birth:%Y%m%d}{seq:03d}"
            id18 = first17 + check_char(first17)
            if id18 not in self.used:
                self.used.add(id18)
                return id18

    def address_code(self, married_in: bool) -> str:
        if self.rng.random() < (0.3 if married_in else 0.06):
            return self.rng.choice(OTHER_ADDRESS_CODES)
        return COUNTY_CODE


def birth_for_age(age: int, on: date, rng: random.Random) -> date:
    """A birth date giving completed `age` years at `on`."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def compose(rng: random.Random) -> list[tuple[str, str, int]]:
    """(relation, sex, age) for the members of one household, head first."""
    size = rng.choices(range(1, 8), weights=SIZE_WEIGHTS)[0]
    head_sex = "男" if rng.random() < 0.85 else "女"
    other = "女" if head_sex == "男" else "男"
    head_age = rng.randint(45, 88) if size == 1 else rng.randint(26, 80)
    members = [("户主", head_sex, head_age)]
    slots = size - 1

    def child(base_age: int, rel_m: str, rel_f: str) -> tuple[str, str, int]:
        sex = "男" if rng.random() < 0.52 else "女"
        return (rel_m if sex == "男" else rel_f, sex, max(0, base_age - rng.randint(20, 34)))

    if slots and rng.random() < 0.88:
        members.append(("配偶", other, max(20, min(95, head_age + rng.randint(-6, 4)))))
        slots -= 1
    if head_age >= 55 and slots >= 2:
        son_age = max(20, head_age - rng.randint(22, 32))
        members += [("之子", "男", son_age), ("之儿媳", "女", max(20, son_age + rng.randint(-4, 3)))]
        slots -= 2
        while slots:
            members.append(child(son_age, "之孙子", "之孙女"))
            slots -= 1
    if slots and head_age < 45 and rng.random() < 0.6:
        parents = [("之父", "男", min(96, head_age + rng.randint(22, 34)))]
        if slots >= 2:
            parents.append(("之母", "女", min(96, head_age + rng.randint(20, 32))))
        members += parents[:slots]
        slots -= len(parents[:slots])
    while slots:
        members.append(child(head_age, "之子", "之女"))
        slots -= 1
    return members


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + f"{rng.randrange(10**9):09d}"


def _household_kind(rng: random.Random) -> tuple[str, str, str, int]:
    """(户类型, 监测对象类别, 风险是否消除, 人均纯收入)."""
    exit_ = rng.random() < 0.25
    household_type = "脱贫户" if exit_ else "一般农户"
    u = rng.random()
    if exit_:
        mtype = "脱贫不稳定户" if u < 0.07 else ""
    else:
        mtype = "边缘易致贫户" if u < 0.02 else ("突发严重困难户" if u < 0.03 else "")
    eliminated = ("是" if rng.random() < 0.25 else "否") if mtype else ""
    median = 7800 if mtype else (11500 if exit_ else 15500)
    income = int(round(median * rng.lognormvariate(0, 0.25 if mtype else 0.35), -1))
    return household_type, mtype, eliminated, income


def allocate(n: int, k: int, rng: random.Random) -> list[int]:
    """Split n households over k villages: at least one each when n >= k, uneven sizes."""
    base = 1 if n >= k else 0
    weights = [rng.gammavariate(4.0, 1.0) for _ in range(k)]
    counts = [base] * k
    for i in rng.choices(range(k), weights=weights, k=n - base * k):
        counts[i] += 1
    return counts


def grid_sizes(n: int, rng: random.Random) -> list[int]:
    """Chunks of 20–40; only the last may be smaller (a remainder that fits is merged)."""
    sizes: list[int] = []
    left = n
    while left > 0:
        size = min(rng.randint(20, 40), left)
        if 0 < left - size < 20:
            size = left if left <= 40 else min(40, left - 20)
        sizes.append(size)
        left -= size
    return sizes


def generate_population(
    villages: list[Village], n_households: int, on: date, rng: random.Random, names: NameSampler
) -> Population:
    """All households and persons, ordered by township, village, group."""
    ids = IdFactory(rng)
    households: list[Household] = []
    persons: list[Person] = []
    person_seq: dict[str, int] = {}
    counts = allocate(n_households, len(villages), rng)
    for village, count in zip(villages, counts, strict=True):
        groups = sorted(rng.randint(1, village.n_groups) for _ in range(count))
        village_households: list[Household] = []
        for seq, group in enumerate(groups, start=1):
            if seq > 9999:
                raise ValueError(f"village {village.name} has more than 9999 households")
            htype, mtype, eliminated, income = _household_kind(rng)
            hh = Household(
                household_id=f"{village.township.code}{village.index:03d}{seq:04d}",
                village=village,
                group=group,
                household_type=htype,
                monitoring_type=mtype,
                risk_eliminated=eliminated,
                income=income,
                phone=_phone(rng),
            )
            head_surname = names.surname()
            for relation, sex, age in compose(rng):
                keeps_surname = relation in ("户主", "之子", "之女", "之孙子", "之孙女", "之父")
                name = names.full(sex, head_surname if keeps_surname else None)
                birth = birth_for_age(age, on, rng)
                married_in = relation in ("配偶", "之儿媳") and sex == "女"
                code = village.township.code
                person_seq[code] = person_seq.get(code, 0) + 1
                person = Person(
                    person_id=f"P{code}{person_seq[code]:06d}",
                    name=name,
                    id_number=ids.make(birth, sex, ids.address_code(married_in)),
                    sex=sex,
                    birth=birth,
                    relation=relation,
                    household=hh,
                )
                hh.members.append(person)
                persons.append(person)
            village_households.append(hh)
        start = 0
        for k, size in enumerate(grid_sizes(len(village_households), rng), start=1):
            worker = names.full("女" if rng.random() < 0.5 else "男")
            for hh in village_households[start : start + size]:
                hh.grid = f"{village.name}第{k}网格"
                hh.grid_worker = worker
            start += size
        households += village_households
    return Population(households, persons, ids.used)
