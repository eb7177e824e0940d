from __future__ import annotations

import pytest

from pipelines.export import mask_id, visit_id
from pipelines.export.cells import MAX_CELL_CHARS, clean_text, natural_key, period_start

MASK_CASES = [
    {"description": "18-digit id", "value": "341722199001011234", "expected": "341722********1234"},
    {"description": "check char X", "value": "34172219900101123X", "expected": "341722********123X"},
    {"description": "15-digit legacy id", "value": "341722900101123", "expected": "341722*****1123"},
    {"description": "surrounding spaces", "value": " 341722199001011234 ", "expected": "341722********1234"},
    {"description": "short value fully starred", "value": "12345", "expected": "*****"},
    {"description": "ten characters fully starred", "value": "1234567890", "expected": "**********"},
    {"description": "empty", "value": "", "expected": ""},
    {"description": "None", "value": None, "expected": ""},
]


@pytest.mark.parametrize("case", MASK_CASES, ids=[c["description"] for c in MASK_CASES])
def test_mask_id(case):
    assert mask_id(case["value"]) == case["expected"], case["description"]


def test_period_start_and_errors():
    assert period_start("2026-05").isoformat() == "2026-05-01"
    for bad in ("2026-13", "2026/05", "", "26-05"):
        with pytest.raises(ValueError, match="period"):
            period_start(bad)


def test_clean_text_truncates_to_excel_limit():
    assert len(clean_text("字" * (MAX_CELL_CHARS + 10))) == MAX_CELL_CHARS
    # Excel's own limit is 32,767 characters: a longer text is cut to it and says so, one that fits is kept
    cut = clean_text("字" * 40_000)
    assert len(cut) == 32_767 and cut.startswith("字" * 32_000) and cut.endswith("（内容过长已截断）")
    assert clean_text("字" * 32_767) == "字" * 32_767
    assert clean_text(None) == ""


def test_natural_key_and_visit_id():
    assert sorted(["10组", "2组", "1组"], key=natural_key) == ["1组", "2组", "10组"]
    assert visit_id("2026-05", "H001") == "2026-05-H001"
