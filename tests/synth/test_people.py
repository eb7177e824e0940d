from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from pipelines.normalize.idcard import is_valid
from pipelines.synth.names import FEMALE_GIVEN, HOMOPHONES, MALE_GIVEN, SURNAMES, NameSampler
from pipelines.synth.people import generate_population, grid_sizes
from pipelines.synth.places import TOWNSHIPS, VILLAGE_STEMS, build_villages
from pipelines.synth.windows import Period, age_at

END = date(2026, 11, 30)


@pytest.fixture(scope="module")
def pop3000():
    rng = random.Random("people-3000")
    villages = build_villages(rng)
    return generate_population(villages, 3000, END, rng, NameSampler(random.Random("names")))


def test_townships_have_real_codes_and_6_to_13_villages():
    villages = build_villages(random.Random(1))
    per_town = Counter(v.township.code for v in villages)
    assert sorted(per_town) == sorted(t.code for t in TOWNSHIPS)
    assert all(6 <= n <= 13 for n in per_town.values())
    assert len({v.name for v in villages}) == len(villages), "village names must be unique county-wide"


def test_all_name_and_place_characters_are_gbk():
    text = "".join(s for s, _ in SURNAMES) + "".join(MALE_GIVEN + FEMALE_GIVEN) + "".join(VILLAGE_STEMS)
    text += "".join(HOMOPHONES) + "".join("".join(v) for v in HOMOPHONES.values())
    text.encode("gbk")


@pytest.mark.parametrize("n", [1, 19, 20, 41, 45, 61, 200, 421])
def test_grid_sizes_are_20_to_40_except_the_last(n):
    sizes = grid_sizes(n, random.Random(n))
    assert sum(sizes) == n
    assert all(20 <= s <= 40 for s in sizes[:-1]), sizes
    assert sizes[-1] <= 40


def test_household_shape_and_segments(pop3000):
    sizes = Counter(len(h.members) for h in pop3000.households)
    assert set(sizes) <= set(range(1, 8)) and len(sizes) == 7
    n = len(pop3000.households)
    exit_share = sum(h.household_type == "脱贫户" for h in pop3000.households) / n
    typed_share = sum(bool(h.monitoring_type) for h in pop3000.households) / n
    monitored_share = sum(h.segment == "monitored" for h in pop3000.households) / n
    assert 0.22 <= exit_share <= 0.28, exit_share
    assert 0.025 <= typed_share <= 0.055, typed_share
    assert 0.015 <= monitored_share <= 0.045, monitored_share
    for h in pop3000.households:
        assert h.members[0].relation == "户主"
        if h.monitoring_type == "脱贫不稳定户":
            assert h.household_type == "脱贫户"
        assert (h.risk_eliminated in ("是", "否")) == bool(h.monitoring_type)


def test_grids_within_a_village(pop3000):
    grids: dict[str, Counter] = {}
    for h in pop3000.households:
        grids.setdefault(h.village.name, Counter())[h.grid] += 1
    for village, counter in grids.items():
        ordered = [counter[g] for g in sorted(counter, key=lambda g: int(g.split("第")[-1].rstrip("网格")))]
        assert all(20 <= s <= 40 for s in ordered[:-1]), (village, ordered)


def test_ids_valid_unique_and_consistent(pop3000):
    ids = [p.id_number for p in pop3000.persons]
    assert len(ids) == len(set(ids))
    for p in pop3000.persons:
        assert is_valid(p.id_number), p.id_number
        assert p.id_number[6:14] == f"{p.birth:%Y%m%d}"
        assert int(p.id_number[16]) % 2 == (1 if p.sex == "男" else 0)
    codes = Counter(p.id_number[:6] for p in pop3000.persons)
    assert codes["341722"] / len(ids) > 0.8 and len(codes) > 1


def test_ids_person_and_household_ids_unique(pop3000):
    assert len({h.household_id for h in pop3000.households}) == len(pop3000.households)
    assert len({p.person_id for p in pop3000.persons}) == len(pop3000.persons)
    assert all(len(h.household_id) == 16 and h.household_id.startswith("341722") for h in pop3000.households)


def test_same_full_names_within_one_township(pop3000):
    per_town = Counter((p.household.township.code, p.name) for p in pop3000.persons)
    assert sum(1 for c in per_town.values() if c > 1) >= 20


def test_ages_plausible(pop3000):
    ages = [age_at(p.birth, END) for p in pop3000.persons]
    assert min(ages) >= 0 and max(ages) <= 100
    assert sum(6 <= a <= 15 for a in ages) > 100


def test_period_windows():
    p = Period.parse("2026-11")
    assert (p.start, p.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert p.last3_start == date(2026, 9, 1)
    assert p.last12_start == date(2025, 12, 1)
    assert Period.parse("2026-02").last3_start == date(2025, 12, 1)
    with pytest.raises(ValueError, match="2026-11"):
        Period.parse("2026-13")
