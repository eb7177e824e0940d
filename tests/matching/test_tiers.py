"""Tiers 2 and 3 and the precision guards, table-driven: each case names what it protects."""

import polars as pl
import pytest

from pipelines.matching.matcher import match_rows, match_rows_detailed
from pipelines.registry import prepare_persons

from .cases import CM, LF, TRUSTED, WQ, ZW1, make_id, one_row, persons, swap, typo

DAMAGED_ZW1 = str(round(int(ZW1), -3))  # what Excel keeps: 15 significant digits
DAMAGED_LF = f"{float(round(int(LF), -3)):.8E}"  # scientific notation, 9 digits

CASES = [
    # description, (name, id, address, damaged), expected status, person, evidence fragments
    ("one-digit typo + same name is recovered, position named",
     ("李芳", typo(LF, 14), None, False), "matched", "P3", ["身份证号差一位（第14位）", "姓名一致"]),
    ("one-digit typo + homophone name is recovered",
     ("李方", typo(LF, 9), None, False), "matched", "P3", ["第9位", "姓名同音"]),
    ("typo in the check character itself",
     ("陈明", CM[:17] + ("0" if CM[17] != "0" else "1"), None, False), "matched", "P6", ["第18位"]),
    ("adjacent transposition is recovered",
     ("王强", swap(WQ, 10), None, False), "matched", "P4", ["相邻两位颠倒（第10、11位）"]),
    ("typo with an unrelated name goes to review, not linked",
     ("赵强", typo(LF, 14), None, False), "ambiguous", None, ["姓名不符", "需人工核对"]),
    ("valid-but-unknown ID with a registry namesake is not linked",
     ("李芳", make_id("34172219750918999"), "石台县七都镇红星村第一村民小组", False), "unmatched", None,
     ["校验通过", "不按姓名匹配"]),
    ("real ID with an unrelated name goes to review",
     ("孙丽", LF, None, False), "ambiguous", "P3", ["身份证号一致", "姓名不符"]),
    ("same-name strangers in the same township never auto-match on name alone",
     ("张伟", None, "石台县仁里镇", False), "ambiguous", None, ["2个同名"]),
    ("same name, same village, no group: still two candidates → review",
     ("张伟", None, "仁里镇桃源村", False), "ambiguous", None, ["同名同姓"]),
    ("same name but the group tells them apart (full address)",
     ("张伟", None, "石台县仁里镇桃源村第三村民小组", False), "matched", "P1", ["地址同村同组", "唯一候选"]),
    ("abbreviated address 仁里桃源村5组 → 仁里镇桃源村第五村民小组",
     ("张伟", None, "仁里桃源村5组", False), "matched", "P2", ["地址同村同组"]),
    ("unique name with only a township is name alone: review",
     ("李芳", None, "七都镇", False), "ambiguous", None, ["证据不足"]),
    ("unique name + village alone is not enough: a stranger may share name and village (review)",
     ("李芳", None, "七都红星村", False), "ambiguous", None, ["地址同村", "证据不足"]),
    ("unique name + village + group links",
     ("李芳", None, "七都红星村一组", False), "matched", "P3", ["地址同村同组", "唯一候选"]),
    ("a homophone at group level is not written the same: review",
     ("李方", None, "七都红星村一组", False), "ambiguous", None, ["姓名同音"]),
    ("a far-off unusable number (3+ digits differ) never links, even at group level",
     ("李芳", make_id("34172219750918262")[:10] + "99999999", "七都红星村一组", False), "ambiguous", None, []),
    ("address in another county rules the namesake out",
     ("李芳", None, "池州市东至县尧渡镇", False), "ambiguous", None, ["证据不足"]),
    ("address contradicts the only namesake: unmatched",
     ("李芳", None, "七都镇新华村一组", False), "unmatched", None, ["没有与姓名、地址相符"]),
    ("damaged-ID prefix + name recovered when unique",
     ("张伟", DAMAGED_ZW1, None, True), "matched", "P1", ["残存前15位一致"]),
    ("damaged-ID prefix + name: two namesakes born the same day in the same group → review",
     ("王强", str(round(int(WQ), -3)), None, True), "ambiguous", None, ["同名同姓"]),
    ("damaged-ID prefix with a different name is not linked",
     ("赵敏", DAMAGED_ZW1, None, True), "unmatched", None, ["被Excel存为数值"]),
    ("scientific-notation ID (9 digits) + name + village: too few digits to tie (review)",
     ("李芳", DAMAGED_LF, "七都镇红星村", True), "ambiguous", None, ["地址同村"]),
    ("scientific-notation ID + name + village + group",
     ("李芳", DAMAGED_LF, "七都镇红星村第一组", True), "matched", "P3", ["地址同村同组"]),
    ("an ID Excel zeroed (…000) + name links on the 15 digits kept, at any place",
     ("李芳", LF[:15] + "000", None, False), "matched", "P3", ["末三位为000", "残存前15位一致"]),
    ("an ID Excel zeroed whose kept digits differ from the namesake's does not tie",
     ("李芳", LF[:14] + "7000", None, False), "unmatched", None, ["末三位为000"]),
    ("a valid registry ID with the surname alone links",
     ("张", ZW1, None, False), "matched", "P1", ["身份证号一致", "姓名仅写姓氏"]),
    ("a valid registry ID with the given name masked (某) links",
     ("李某", LF, None, False), "matched", "P3", ["姓名仅写姓氏"]),
    ("junk around the name and separator dots fold away",
     ("李·芳（低保）", LF, None, False), "matched", "P3", ["姓名一致"]),
    ("masked ID: visible digits + name",
     ("王强", WQ[:6] + "********" + WQ[14:], None, False), "matched", "P4", ["脱敏身份证号可见位一致"]),
    ("traditional + spacing folds before blocking",
     ("陳 明", None, "仁里镇桃源村第三组", False), "matched", "P6", ["姓名一致"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("description", "row", "status", "person", "evidence"), CASES, ids=[c[0] for c in CASES]
)
def test_tiers(description, row, status, person, evidence):
    out = match_rows(one_row(*row), persons(), name_place=TRUSTED).row(0, named=True)
    assert out["match_status"] == status, f"{description}: {out}"
    assert out["person_id"] == person, f"{description}: {out}"
    for fragment in evidence:
        assert fragment in out["match_evidence"], (
            f"{description}: {out['match_evidence']!r} lacks {fragment!r}"
        )
    assert 0.0 <= out["match_score"] <= 1.0, description


def test_household_comes_with_the_person():
    out = match_rows(one_row("陈明", CM), persons()).row(0, named=True)
    assert (out["person_id"], out["household_id"]) == ("P6", "H1")


def test_review_rows_carry_their_candidates():
    result = match_rows_detailed(one_row("张伟", None, "石台县仁里镇"), persons())
    assert set(result.candidates.get_column("person_id")) == {"P1", "P2"}
    assert result.candidates.get_column("rank").to_list() == [1, 2]


def test_scores_order_methods_by_certainty():
    rows = pl.concat(
        [
            one_row("陈明", CM).with_columns(row_key=pl.lit("exact")),
            one_row("李芳", typo(LF, 14)).with_columns(row_key=pl.lit("repair")),
            one_row("张伟", None, "石台县仁里镇桃源村第三村民小组").with_columns(row_key=pl.lit("place")),
            one_row("张伟", None, "石台县仁里镇").with_columns(row_key=pl.lit("review")),
        ]
    )
    s = dict(match_rows(rows, persons(), name_place=TRUSTED).select("row_key", "match_score").iter_rows())
    assert s["exact"] > s["repair"] > s["place"] > s["review"], s


def test_remembered_decision_applies_before_the_tiers():
    rows = one_row("张伟", None, "石台县仁里镇")
    first = match_rows_detailed(rows, persons())
    fp = first.fingerprints.get_column("fingerprint")[0]
    decisions = pl.DataFrame({"fingerprint": [fp], "person_id": ["P2"], "note": ["入户核实"]})
    out = match_rows(rows, persons(), decisions=decisions).row(0, named=True)
    assert (out["match_status"], out["person_id"], out["match_method"]) == (
        "matched",
        "P2",
        "review_decision",
    )
    nobody = decisions.with_columns(person_id=pl.lit(None, dtype=pl.String))
    out = match_rows(rows, persons(), decisions=nobody).row(0, named=True)
    assert (out["match_status"], out["person_id"]) == ("unmatched", None)


def test_place_tier_treats_unknown_registry_place_as_no_contradiction():
    """The blocking join keeps a namesake whose registry place is unknown (null), as the tier's rules do."""
    reg = persons().with_columns(
        pl.when(pl.col("person_id") == "P3").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("township", "village", "group")
    )
    out = match_rows(one_row("李芳", None, "七都镇红星村一组"), reg).row(0, named=True)
    assert out["match_status"] == "ambiguous"
    assert "证据不足" in out["match_evidence"]


def test_repair_variants_cover_every_single_edit():
    from pipelines.matching.id_repair import repair_variants

    from .cases import LF

    bad = typo(LF, 5)
    out = repair_variants(pl.DataFrame({"row_key": ["r"], "id_norm": [bad]}))
    assert out.columns == ["row_key", "cand_id", "edit", "pos"]
    assert out.filter(pl.col("cand_id") == LF).select("edit", "pos").row(0) == ("sub", 5)
    assert out.filter(pl.col("edit") == "swap").height == sum(bad[i] != bad[i + 1] for i in range(17))
    assert out.filter(pl.col("edit") == "check").height == 1


def _family() -> pl.DataFrame:
    """王卫东 (head) with wife 刘敏 and son 王小军; 江胜 (head) with son 江涛; two 李娜 in one village, born
    on different days; and 周平 who has namesakes nowhere."""
    wwd, lm, wxj = make_id("34172219700101001"), make_id("34172219720202002"), make_id("34172219950303003")
    js, jt = make_id("34172219600404004"), make_id("34172219880505005")
    rows = [
        ("P1", "H1", "王卫东", wwd, "户主", "1970-01-01"),
        ("P2", "H1", "刘敏", lm, "配偶", "1972-02-02"),
        ("P3", "H1", "王小军", wxj, "之子", "1995-03-03"),
        ("P4", "H2", "江胜", js, "户主", "1960-04-04"),
        ("P5", "H2", "江涛", jt, "之子", "1988-05-05"),
        ("P6", "H3", "李娜", make_id("34172219900606006"), "户主", "1990-06-06"),
        ("P7", "H4", "李娜", make_id("34172219910707007"), "户主", "1991-07-07"),
    ]
    raw = pl.DataFrame(
        [(*r[:4], "仁里镇", "桃源村", "第三村民小组", r[4], r[5]) for r in rows],
        schema=["person_id", "household_id", "name", "id_number", "township", "village", "group", "relation",
                "birth_date"],
        orient="row",
    ).with_columns(pl.col("birth_date").str.to_date())  # fmt: skip
    return prepare_persons(raw)


def test_valid_registry_id_with_a_dropped_character_links():
    """王卫 written for 王卫东, with 王卫东's valid ID: the ID is the strongest evidence; the name is compatible."""
    reg = _family()
    wwd = reg.filter(pl.col("person_id") == "P1").get_column("id_norm")[0]
    out = match_rows(one_row("王卫", wwd), reg).row(0, named=True)
    assert (out["match_status"], out["person_id"]) == ("matched", "P1")
    assert "姓名少一字" in out["match_evidence"]


def test_relation_name_resolves_through_the_household():
    """江胜之子 with the son's ID links to 江涛 (江胜's household); with another household's ID it does not."""
    reg = _family()
    ids = dict(reg.select("person_id", "id_norm").iter_rows())
    out = match_rows(one_row("江胜之子", ids["P5"]), reg).row(0, named=True)
    assert (out["match_status"], out["person_id"]) == ("matched", "P5")
    assert "亲属关系" in out["match_evidence"]
    other = match_rows(one_row("江胜之子", ids["P3"]), reg).row(0, named=True)
    assert other["match_status"] == "ambiguous"


def test_relation_name_without_id_finds_the_member_through_the_head():
    """No ID: 王卫东之妻 at the household's address means 王卫东's wife 刘敏 (the head named, the word 妻
    matching 配偶) — offered to the reviewer with that reasoning, not linked: an unregistered wife or
    daughter-in-law of a registered head is common (blind held-out lists: most such links were wrong)."""
    out = match_rows_detailed(one_row("王卫东之妻", None, "仁里镇桃源村三组"), _family())
    row = out.decisions.row(0, named=True)
    assert row["match_status"] == "ambiguous", row
    assert out.candidates.get_column("person_id").to_list() == ["P2"]
    assert "亲属关系" in out.candidates.get_column("candidate_note")[0]


def test_a_listed_stranger_of_that_name_there_blocks_the_group_link():
    """The list itself shows a 李芳 in 红星村 with a valid ID the registry does not hold: a same-name
    stranger lives there, so another 李芳 row there without an ID goes to review, not to P3."""
    stranger = one_row("李芳", make_id("34172219990101777"), "七都镇红星村一组").with_columns(
        pl.lit("s").alias("row_key")
    )
    rows = pl.concat([one_row("李芳", None, "七都镇红星村一组"), stranger])
    out = dict(match_rows(rows, persons(), name_place=TRUSTED).select("row_key", "match_status").iter_rows())
    assert out == {"r": "ambiguous", "s": "unmatched"}
    alone = match_rows(one_row("李芳", None, "七都镇红星村一组"), persons(), name_place=TRUSTED).row(
        0, named=True
    )
    assert alone["match_status"] == "matched"


def test_stranger_sharing_name_and_village_never_auto_links():
    """A department row about somebody not in the registry who shares the only registered 王小军's name
    and village, with nothing more specific agreeing (no group, no ID digits, no birth date): review,
    with 王小军 offered as the candidate."""
    out = match_rows_detailed(one_row("王小军", None, "仁里镇桃源村"), _family())
    assert out.decisions.row(0, named=True)["match_status"] == "ambiguous"
    assert out.candidates.get_column("person_id").to_list() == ["P3"]


def test_listed_birth_date_splits_two_namesakes_in_a_village():
    rows = one_row("李娜", None, "仁里镇桃源村").with_columns(
        pl.lit("1991-07-07").str.to_date().alias("birth_date")
    )
    out = match_rows(rows, _family()).row(0, named=True)
    assert (out["match_status"], out["person_id"]) == ("matched", "P7")
    assert "出生日期一致" in out["match_evidence"]
    without = match_rows(one_row("李娜", None, "仁里镇桃源村"), _family()).row(0, named=True)
    assert without["match_status"] == "ambiguous"


def test_household_list_naming_a_registered_head_ties_at_village_level():
    """A household list (户主姓名) naming 王卫东, who heads a registered household in that village:
    linked; the same name in a person list (any member could be meant, or a stranger) is not."""
    head_row = one_row("王卫东", None, "仁里镇桃源村").with_columns(pl.lit(True).alias("named_head"))
    out = match_rows(head_row, _family()).row(0, named=True)
    assert (out["match_status"], out["person_id"]) == ("matched", "P1"), out
    assert "户主" in out["match_evidence"]
    person_row = match_rows(one_row("王卫东", None, "仁里镇桃源村"), _family()).row(0, named=True)
    assert person_row["match_status"] == "ambiguous"
    # a head list naming a registered person who is not a head is no household-level claim
    son = one_row("王小军", None, "仁里镇桃源村").with_columns(pl.lit(True).alias("named_head"))
    assert match_rows(son, _family()).row(0, named=True)["match_status"] == "ambiguous"
