import polars as pl
import pytest

from pipelines.matching.matcher import match_rows, prepare_rows
from pipelines.normalize.idcard import check_char


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


A = make_id("34172219900101123")
B = make_id("34172219850505432")
C = make_id("34172219700707001")


@pytest.fixture
def persons():
    base = pl.DataFrame(
        {
            "row_key": ["P1", "P2", "P3"],
            "name": ["陈伟", "王芳", "曾丽"],
            "id_number": [A, B, C],
            "id_damaged": [False] * 3,
        }
    )
    return (
        prepare_rows(base)
        .rename({"row_key": "person_id"})
        .with_columns(household_id=pl.Series(["H1", "H1", "H2"]))
    )


CASES = [
    # (description, name, id text, damaged, status, person, evidence fragment)
    ("exact id and name", "陈伟", A, False, "matched", "P1", "身份证号一致，姓名一致"),
    ("lowercase x / spaces are normalised", "王芳", f" {B[:6]} {B[6:]}", False, "matched", "P2", "姓名一致"),
    ("traditional characters fold", "陳偉", A, False, "matched", "P1", "姓名一致"),
    ("homophone name", "曾莉", C, False, "matched", "P3", "姓名同音"),
    ("15-digit legacy id", "曾丽", C[:6] + C[8:17], False, "matched", "P3", "15位旧身份证号换算后一致"),
    ("id of someone else entirely goes to review", "赵强", A, False, "ambiguous", "P1", "姓名不符"),
    # Name alone (no place, no date, no ID digits) is never enough: review, not a link.
    ("missing id is not guessed from the name", "陈伟", None, False, "ambiguous", None, "证据不足"),
    # A damaged ID is never joined exactly; its surviving leading digits + the name tie it (tier 3).
    ("damaged id: surviving digits + name", "陈伟", A, True, "matched", "P1", "残存前15位"),
    (
        "valid id of a stranger",
        "陈伟",
        make_id("34172219950101123"),
        False,
        "unmatched",
        None,
        "不在登记人口中",
    ),
]


@pytest.mark.parametrize(
    ("description", "name", "id_text", "damaged", "status", "person", "evidence"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_tier_one_decisions(persons, description, name, id_text, damaged, status, person, evidence):
    rows = pl.DataFrame(
        {"row_key": ["r"], "name": [name], "id_number": [id_text], "id_damaged": [damaged]},
        schema={"row_key": pl.String, "name": pl.String, "id_number": pl.String, "id_damaged": pl.Boolean},
    )
    out = match_rows(rows, persons).row(0, named=True)
    assert out["match_status"] == status, description
    assert out["person_id"] == person, description
    assert evidence in out["match_evidence"], f"{description}: {out['match_evidence']}"


def test_scores_rank_certainty(persons):
    rows = pl.DataFrame(
        {
            "row_key": ["a", "b", "c"],
            "name": ["陈伟", "曾莉", "赵强"],
            "id_number": [A, C, B],
            "id_damaged": [False] * 3,
        }
    )
    scores = dict(match_rows(rows, persons).select("row_key", "match_score").iter_rows())
    assert scores["a"] > scores["b"] > scores["c"]


def test_duplicate_registry_id_is_never_auto_linked(persons):
    dup = pl.concat(
        [persons, persons.filter(pl.col("person_id") == "P1").with_columns(person_id=pl.lit("P9"))]
    )
    rows = pl.DataFrame({"row_key": ["r"], "name": ["陈伟"], "id_number": [A], "id_damaged": [False]})
    out = match_rows(rows, dup).row(0, named=True)
    assert out["match_status"] == "ambiguous"
    assert "重复" in out["match_evidence"]
