"""The logical extract row (a Record) and the people rows are about (registry persons or strangers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipelines.synth.people import Household, Person
from pipelines.synth.places import Village, full_address, short_address


@dataclass(slots=True)
class Stranger:
    """Somebody who is not in the registry (townspeople, people from elsewhere, namesakes)."""

    name: str
    id_number: str
    sex: str
    birth: date
    village: Village | None
    group: int
    outside: str
    same_name: bool


Subject = Person | Stranger


def subject_address(subject: Subject, with_county: bool) -> tuple[str, str]:
    """(full address, abbreviated address) of where the subject lives."""
    if isinstance(subject, Person):
        hh = subject.household
        return full_address(hh.village, hh.group, with_county), short_address(hh.village, hh.group)
    if subject.village is not None:
        return full_address(subject.village, subject.group, with_county), short_address(
            subject.village, subject.group
        )
    return subject.outside, subject.outside


@dataclass(slots=True)
class Record:
    """One department row before and after dirt: canonical values plus what was written."""

    source: str
    values: dict[str, Any]
    """Canonical values by field name (dates as date, amounts as float); name/id/address are set on render."""
    subject: Subject
    event_date: date
    seq: int = 0
    dirt: str = "clean"
    file_index: int = 0
    copy_of: Record | None = None
    name_written: str = ""
    id_written: str | float = ""
    address_written: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def person(self) -> Person | None:
        return self.subject if isinstance(self.subject, Person) else None

    @property
    def household(self) -> Household | None:
        p = self.person
        return p.household if p is not None else None

    @property
    def kind(self) -> str:
        """registry / stranger / stranger_same_name."""
        if isinstance(self.subject, Person):
            return "registry"
        return "stranger_same_name" if self.subject.same_name else "stranger"
