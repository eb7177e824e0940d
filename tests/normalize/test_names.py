import polars as pl
import pytest

from pipelines.matching.names import add_name_level
from pipelines.normalize.names import add_name_keys, fold_name, name_pinyin

FOLD_CASES = [
    ("traditional → simplified", "陳偉", "陈伟"),
    ("stray spaces", " 王 芳 ", "王芳"),
    ("separator dots go (the registry writes them or not)", "阿依古丽・买买提", "阿依古丽买买提"),
    ("full stop dot", "阿依古丽．买买提", "阿依古丽买买提"),
    ("bullet dot in a Han name", "郭•紫涵", "郭紫涵"),
    ("a remark in brackets", "杨丽妹（已故）", "杨丽妹"),
    ("a remark in half-width brackets", "曹胜利(户主)", "曹胜利"),
    ("digits and marks around the name", "马正荣1*", "马正荣"),
    ("only a bracket: its content is the name", "(张三)", "张三"),
    ("full-width letters", "ＡＢ", "AB"),
    ("blank", None, ""),
]


@pytest.mark.parametrize(("description", "raw", "folded"), FOLD_CASES, ids=[c[0] for c in FOLD_CASES])
def test_fold_name(description, raw, folded):
    assert fold_name(raw) == folded, description


def test_surname_readings():
    assert name_pinyin("曾伟") == "zeng wei"
    assert name_pinyin("单丽") == "shan li"


LEVEL_CASES = [
    ("same after folding", "陳偉", "陈伟", "same"),
    ("homophone", "王玮", "王伟", "homophone"),
    ("one character differs", "王伟", "王强", "similar"),
    ("different", "李娜", "王伟", "different"),
    ("absent", None, "王伟", "absent"),
]


def test_name_levels_vectorised():
    a = add_name_keys(pl.DataFrame({"name": [c[1] for c in LEVEL_CASES]}, schema={"name": pl.String}))
    b = add_name_keys(pl.DataFrame({"reg": [c[2] for c in LEVEL_CASES]}), "reg", "reg")
    frame = pl.concat([a, b], how="horizontal")
    levels = add_name_level(frame).get_column("level").to_list()
    for (description, *_, expected), got in zip(LEVEL_CASES, levels, strict=True):
        assert got == expected, description


def test_known_keys_are_reused_and_unknown_names_folded():
    known = pl.DataFrame({"name": ["王伟"], "name_fold": ["王伟"], "name_pinyin": ["KNOWN"]})
    frame = pl.DataFrame({"name": ["王伟", "陳偉", None, "王伟"]}, schema={"name": pl.String})
    out = add_name_keys(frame, known=known)
    assert out.get_column("name_pinyin").to_list() == ["KNOWN", "chen wei", "", "KNOWN"]
    assert out.get_column("name_fold").to_list() == ["王伟", "陈伟", "", "王伟"]
    assert out.height == frame.height


def test_vectorised_keys_equal_the_reference_functions():
    """name_keys (polars) is an optimisation of fold_name / name_pinyin: the same keys for plain Han
    names, traditional characters, surnames read as surnames, and every odd form that takes the slow
    path (spaces, dots, remarks, digits, Latin letters, blanks)."""
    from pipelines.normalize.names import name_keys

    plain = [a + b + c for a in "王張曾单陳李" for b in "衛卫东東国國" for c in ["", "东", "華", "乐"]]
    odd = [
        None,
        "",
        " ",
        "王 卫东",
        "郭•紫涵",
        "張三（已故）",
        "(户主)",
        "马正荣1",
        "ZHANG San",
        "阿依古丽·买买提",
        "１２３",
    ]
    values = plain + odd
    got = name_keys(pl.Series(values, dtype=pl.String))
    assert got.get_column("fold").to_list() == [fold_name(v) for v in values]
    assert got.get_column("pinyin").to_list() == [name_pinyin(v) for v in values]
    assert got.get_column("pinyin").to_list()[values.index("曾卫东")] == "zeng wei dong"
