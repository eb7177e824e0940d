"""The issuing office and the county's name come from data/county/county.yaml (many counties merged the
rural-revitalisation bureau into the agriculture bureau): the township cover says who sends the list, the
county summary names the county; a malformed file is refused naming the file and the entry."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from export_cases import PERIOD
from test_export_summary import ACCOUNTING, MATCH_STATS
from test_export_township import write

from pipelines.county import DEFAULT_ISSUER, CountyProfile, CountyProfileError, load_profile
from pipelines.export import write_county_summary


def _cover_text(path) -> str:
    ws = openpyxl.load_workbook(path)["填写说明"]
    return "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c)


def test_the_cover_names_the_issuing_office(tmp_path, warnings, rules):
    default = _cover_text(write(tmp_path, warnings, rules, "a.xlsx"))
    assert f"本表是{DEFAULT_ISSUER}将各部门数据" in default and "乡村振兴局" not in default
    named = _cover_text(write(tmp_path, warnings, rules, "b.xlsx", issuer="石台县乡村振兴局"))
    assert "本表是石台县乡村振兴局将各部门数据" in named
    with zipfile.ZipFile(tmp_path / "b.xlsx") as z:  # the document's company property too
        assert "<Company>石台县乡村振兴局</Company>" in z.read("docProps/app.xml").decode()


def test_the_county_summary_is_titled_with_the_county(tmp_path, warnings):
    path = write_county_summary(
        tmp_path / "s.xlsx", PERIOD, warnings, accounting=ACCOUNTING, match_stats=MATCH_STATS,
        profile=CountyProfile(county="石台县", issuer="石台县农业农村局"),
    )  # fmt: skip
    assert (
        openpyxl.load_workbook(path).properties.title
        == f"石台县防返贫动态监测部门数据比对预警汇总（{PERIOD}）"
    )
    with zipfile.ZipFile(path) as z:
        assert "<Company>石台县农业农村局</Company>" in z.read("docProps/app.xml").decode()


def test_the_profile_file_and_its_defaults(tmp_path):
    assert load_profile(tmp_path) == CountyProfile(county="", issuer=DEFAULT_ISSUER)
    (tmp_path / "county.yaml").write_text("county: 石台县\nissuer: ' 石台县农业农村局 '\n", encoding="utf-8")
    assert load_profile(tmp_path) == CountyProfile(county="石台县", issuer="石台县农业农村局")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("issuer: ''\n", "issuer must be a name"),
        ("issuer: [a, b]\n", "issuer must be a name"),
        ("county: " + "长" * 41 + "\n", "county must be a name of 1–40 characters"),
        ("bureau: 石台县农业农村局\n", "unknown entries ['bureau']"),
        ("- 石台县\n", "expected 'county:' and/or 'issuer:'"),
        ("county: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_profile_names_the_file_and_the_entry(tmp_path, text, says):
    (tmp_path / "county.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CountyProfileError) as info:
        load_profile(tmp_path)
    assert says in str(info.value) and str(tmp_path / "county.yaml") in str(info.value)
