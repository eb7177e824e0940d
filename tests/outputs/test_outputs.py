"""The one owner of the files we write (pipelines.outputs): safe names, atomic files, formula-safe CSV."""

from __future__ import annotations

import os

import openpyxl
import polars as pl
import pytest

from pipelines.outputs import (
    PARTIAL_PREFIX,
    AtomicWorkbook,
    UnsafeOutputPath,
    atomic_target,
    csv_safe,
    output_file,
    safe_component,
    township_file_names,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("丁香镇/新区", "丁香镇_新区"),
        ("../../../../escaped/PWNED", "escaped_PWNED"),
        ("..", "未命名"),
        ("  ", "未命名"),
        ("仁里镇\x00\n", "仁里镇"),
        ("张三341722199001011234", "张三341722_1234"),  # masked, then * is no file-name character
        ('a:b*c?"d<e>f|g\\h', "a_b_c_d_e_f_g_h"),
    ],
)
def test_safe_component(text, expected):
    assert safe_component(text) == expected


def test_a_long_chinese_name_fits_a_file_name_with_prefix_and_suffix(tmp_path):
    name = safe_component("镇" * 200)
    assert len(name.encode("utf-8")) <= 120
    path = output_file(tmp_path, f"{name}_预警核实表_2026-11.xlsx")
    with AtomicWorkbook(path) as wb:  # the partial name is longer still: it must be creatable
        wb.add_worksheet().write_string(0, 0, "x")
    assert path.is_file()
    assert openpyxl.load_workbook(path).active["A1"].value == "x"  # the whole workbook, under its name
    assert os.listdir(tmp_path) == [path.name]


def test_output_file_refuses_anything_but_a_plain_name(tmp_path):
    for bad in ("../x.xlsx", "a/b.xlsx", "..", f"{PARTIAL_PREFIX}1-x.xlsx"):
        with pytest.raises(UnsafeOutputPath):
            output_file(tmp_path, bad)
    assert output_file(tmp_path, "ok.xlsx") == tmp_path / "ok.xlsx"


def test_names_that_collide_once_made_safe_stay_apart():
    names = township_file_names(["丁香镇/新区", "丁香镇_新区", "仁里镇"])
    assert names == {"丁香镇/新区": "丁香镇_新区", "丁香镇_新区": "丁香镇_新区_2", "仁里镇": "仁里镇"}


def test_a_failed_write_leaves_no_file_under_either_name(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_target(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert os.listdir(tmp_path) == []


def test_a_workbook_never_closed_is_never_there(tmp_path):
    target = tmp_path / "t.xlsx"
    wb = AtomicWorkbook(target)
    wb.add_worksheet().write_string(0, 0, "x")
    assert not target.exists()  # written only by close(), then renamed into place
    wb.close()
    assert target.is_file() and not list(tmp_path.glob(f"{PARTIAL_PREFIX}*"))
    assert openpyxl.load_workbook(target).active["A1"].value == "x"


def test_csv_safe_neutralises_text_categoricals_and_headers_but_not_numbers():
    frame = pl.DataFrame(
        {"=SUM(A1)": ["x"], "name": ["=cmd|' /C calc'!A0"], "cat": ["+1"], "n": [-3.5]},
        schema_overrides={"cat": pl.Categorical},
    )
    safe = csv_safe(frame)
    assert safe.columns == ["'=SUM(A1)", "name", "cat", "n"]
    assert safe.row(0) == ("x", "'=cmd|' /C calc'!A0", "'+1", -3.5)
