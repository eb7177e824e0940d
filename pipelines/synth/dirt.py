"""Realistic dirt on rows about registry people; every row is labelled with its kind."""

from __future__ import annotations

import random

from pipelines.synth.names import homophone, traditional
from pipelines.synth.records import Record, subject_address

DIRT_WEIGHTS: dict[str, float] = {
    "clean": 0.60,
    "missing_id": 0.04,
    "id15": 0.05,
    "wrong_digit": 0.03,
    "swapped_digits": 0.03,
    "fullwidth": 0.03,
    "spaces": 0.04,
    "traditional_name": 0.05,
    "homophone_name": 0.04,
    "abbreviated_address": 0.05,
    "repeated_row": 0.02,
    "damaged_id": 0.02,
}
UNREACHABLE_DIRT: frozenset[str] = frozenset({"missing_id", "wrong_digit", "swapped_digits", "damaged_id"})
"""Dirt after which the written ID no longer normalises to the true valid ID."""

_KINDS = list(DIRT_WEIGHTS)
_CUM = [sum(list(DIRT_WEIGHTS.values())[: i + 1]) for i in range(len(_KINDS))]
_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def is_reachable(record: Record) -> bool:
    """True when the row's written ID normalises to the subject's true ID."""
    dirt = record.copy_of.dirt if record.copy_of is not None else record.dirt
    return dirt not in UNREACHABLE_DIRT


def choose_dirt(record: Record, is_xlsx: bool, rng: random.Random) -> str:
    """A dirt kind applicable to this row (strangers are labelled, not dirtied)."""
    if record.person is None:
        return record.kind
    id18 = record.person.id_number
    if id18.endswith("X") and rng.random() < 0.3:
        return "lowercase_x"
    kind = rng.choices(_KINDS, cum_weights=_CUM)[0]
    applicable = {
        "id15": id18[6:8] == "19",
        "damaged_id": is_xlsx and not id18.endswith("X"),
        "traditional_name": traditional(record.person.name) != record.person.name,
        "homophone_name": homophone(record.person.name, random.Random(0)) is not None,
        "swapped_digits": any(id18[i] != id18[i + 1] for i in range(6, 16)),
        "abbreviated_address": "address" in record.extra.get("fields", ("address",)),
    }
    return kind if applicable.get(kind, True) else "clean"


def _wrong_digit(id18: str, rng: random.Random) -> str:
    i = rng.randrange(6, 17)
    new = rng.choice([d for d in "0123456789" if d != id18[i]])
    return id18[:i] + new + id18[i + 1 :]


def _swap(id18: str, rng: random.Random) -> str:
    spots = [i for i in range(6, 16) if id18[i] != id18[i + 1]]
    i = rng.choice(spots)
    return id18[:i] + id18[i + 1] + id18[i] + id18[i + 2 :]


def _spaced(id18: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"{id18[:6]} {id18[6:14]} {id18[14:]}"
    if style == 1:
        return f"{id18[:6]}-{id18[6:14]}-{id18[14:]}"
    return f"{id18[:3]} {id18[3:6]} {id18[6:10]} {id18[10:14]} {id18[14:]}"


def damaged_value(id18: str) -> float:
    """What Excel keeps of an ID typed as a number: 15 significant digits."""
    return float(round(int(id18), -3))


def render(record: Record, with_county: bool, rng: random.Random) -> None:
    """Set name_written, id_written and address_written from the subject and the dirt kind."""
    subject = record.subject
    full, short = subject_address(subject, with_county)
    name, id18, address = subject.name, subject.id_number, full
    written_id: str | float = id18
    dirt = record.dirt
    if dirt == "missing_id":
        written_id = ""
    elif dirt == "id15":
        written_id = id18[:6] + id18[8:17]
    elif dirt == "wrong_digit":
        written_id = _wrong_digit(id18, rng)
    elif dirt == "swapped_digits":
        written_id = _swap(id18, rng)
    elif dirt == "lowercase_x":
        written_id = id18.lower()
    elif dirt == "fullwidth":
        written_id = id18.translate(_FULLWIDTH)
    elif dirt == "spaces":
        written_id = _spaced(id18, rng)
    elif dirt == "damaged_id":
        written_id = damaged_value(id18)
    elif dirt == "traditional_name":
        name = traditional(name)
    elif dirt == "homophone_name":
        name = homophone(name, rng) or name
    elif dirt == "abbreviated_address":
        address = short
    record.name_written, record.id_written, record.address_written = name, written_id, address
