from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.normalize.idcard import check_char, id_columns, is_valid, mask_id, upgrade_15

# Published example numbers with known check characters (GB 11643 worked examples).
KNOWN = [("11010519491231002", "X"), ("44052418800101001", "4"), ("34172219900101123", "5")]


@pytest.mark.parametrize(("first17", "expected"), KNOWN)
def test_check_char_known_examples(first17, expected):
    assert check_char(first17) == expected


def test_check_char_rejects_wrong_length():
    with pytest.raises(ValueError, match="17 digits"):
        check_char("123")


def test_upgrade_15_inserts_century_and_check():
    assert upgrade_15("110105491231002") == "11010519491231002X"


birth = st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31))
ids = st.builds(
    lambda region, born, seq: (lambda f17: f17 + check_char(f17))(f"{region}{born:%Y%m%d}{seq:03d}"),
    st.sampled_from(["341722", "341702", "110105", "342901"]),
    birth,
    st.integers(0, 999),
)


@given(ids)
def test_generated_ids_are_valid(id18):
    assert is_valid(id18)


@given(ids, st.integers(0, 16), st.integers(1, 9))
def test_one_changed_digit_fails_the_check(id18, pos, delta):
    changed = id18[:pos] + str((int(id18[pos]) + delta) % 10) + id18[pos + 1 :]
    assert not is_valid(changed)


@given(ids)
def test_dirty_forms_normalise_to_the_same_number(id18):
    fullwidth = id18.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    variants = [id18, id18.lower(), f" {id18[:6]} {id18[6:14]}-{id18[14:]} ", "'" + id18, fullwidth]
    out = pl.DataFrame({"s": variants}).select(id_columns(pl.col("s")))
    assert out.get_column("id_norm").to_list() == [id18] * len(variants)
    assert set(out.get_column("id_status").to_list()) == {"valid"}


@given(ids.filter(lambda s: s[6:8] == "19"))
def test_legacy_15_digit_number_upgrades(id18):
    legacy = id18[:6] + id18[8:17]
    out = pl.DataFrame({"s": [legacy]}).select(id_columns(pl.col("s"))).row(0)
    assert out == (id18, "legacy15")


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("3.41722199E+17", "damaged"),
        ("341722199001011235.0", "damaged"),
        ("341722********1235", "masked"),
        ("", "missing"),
        (None, "missing"),
        ("12345", "malformed"),
        ("341722199013011235", "bad_date"),
        ("341722199001011230", "bad_check"),
    ],
)
def test_status_of_problem_numbers(text, status):
    out = (
        pl.DataFrame({"s": [text]}, schema={"s": pl.String})
        .select(id_columns(pl.col("s")))
        .row(0, named=True)
    )
    assert out["id_status"] == status
    if status in ("damaged", "masked", "missing", "malformed"):
        assert out["id_norm"] is None


def test_mask_id_keeps_region_and_last_four():
    assert mask_id("341722199001011235") == "341722********1235"
    assert mask_id("") == ""
    assert "1990" not in mask_id("341722199001011235")


def test_add_id_columns_agrees_with_id_columns():
    from pipelines.normalize.idcard import add_id_columns

    texts = ["341722199001011235", "３４１７２２１９９００１０１１２３５", "341722900101123", "3.41722199E+17",
             "341722********1235", None, "", "12345", "341722199013011235", "341722199001011230",
             " 341722 19900101-1235 ", "34172219900101123x"]  # fmt: skip
    frame = pl.DataFrame({"s": texts}, schema={"s": pl.String})
    assert add_id_columns(frame, "s").drop("s").equals(frame.select(id_columns(pl.col("s"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某某_341722199001011234_确诊补报.csv", "某某_341722********1234_确诊补报.csv"),
        ("身份证34172219900101123x", "身份证341722********123x"),
        ("旧证341722900101123", "旧证341722*****1123"),
        ("341722 19900101 1234", "341722********1234"),  # typed with spaces
        ("3417-2219-9001-0112-34", "341722********1234"),
        ("电话18278354609，182 7835 4609", "电话18278354609，182 7835 4609"),  # a phone number is not an ID
        ("流水号1234567890123456789", "流水号1234567890123456789"),  # 19 digits: not an ID
        ("日期 2026-11-05 金额 100", "日期 2026-11-05 金额 100"),
    ],
)
def test_ids_in_free_text_are_masked(text, expected):
    from pipelines.normalize.idcard import mask_ids_in_text

    assert mask_ids_in_text(text) == expected
