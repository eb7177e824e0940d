"""The source catalogue as data: built-in YAML, a county's own sources, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.facts import LINK_COLUMNS
from pipelines.warehouse import raw_columns
from schemas import get_source
from schemas.catalogue import RESERVED_FIELDS, CatalogueError, load_catalogue

MICROCREDIT = (Path(__file__).parent / "microcredit.yaml").read_text(encoding="utf-8")


def write_county_source(county: Path, text: str, name: str = "microcredit.yaml") -> Path:
    folder = county / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_catalogue_lists_every_source_file_in_its_order():
    cat = load_catalogue()
    shipped = {p.stem for p in (Path(__file__).parents[2] / "schemas" / "sources").glob("*.yaml")}
    assert set(cat.all_sources) == shipped
    assert cat.all_sources[0] == "registry"
    assert cat.department_sources == cat.all_sources[1:]
    assert set(cat.exclusion_sources) == {"vehicles", "market_supervision", "real_estate", "public_payroll"}


def test_common_fields_expand_with_their_extra_words():
    water = load_catalogue().get("water")
    name = water.field("name")
    assert name.type == "name" and name.label == "姓名"
    assert {"姓名", "户主", "用水户"} <= set(name.aliases)
    assert water.one_of == ("id_number", "name", "village")


def test_reserved_names_cover_what_the_warehouse_adds():
    source = get_source("health")
    bookkeeping = {c for c, _ in raw_columns(source)} - set(source.field_names)
    bookkeeping = {c for c in bookkeeping if not c.endswith("_raw")}
    assert bookkeeping <= RESERVED_FIELDS
    assert {c for c, _ in LINK_COLUMNS} - {"event_date"} <= RESERVED_FIELDS


def test_a_county_source_joins_the_catalogue_after_the_builtin_ones(tmp_path):
    write_county_source(tmp_path, MICROCREDIT)
    cat = load_catalogue(tmp_path)
    assert cat.all_sources[-1] == "microcredit"
    src = cat.get("microcredit")
    assert src.department == "县农村商业银行"
    assert src.field("overdue_days").required and src.field("overdue_days").type == "int"
    assert cat.schema("microcredit").name == "microcredit"
    assert "microcredit" not in load_catalogue().all_sources


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("name: microcredit", "name: Micro-Credit"), "not a valid name"),
        (("name: microcredit", "name: health"), "already defined by the built-in catalogue"),
        (("type: int", "type: integer"), "type 'integer' is not one of"),
        (("natural_key: [loan_no]", "natural_key: [loan_number]"), "not fields of this source"),
        (("date_field: due_date", "date_field: amount"), "is not a date field"),
        (("{name: loan_no, label: 借据号}", "{name: row_key, label: 借据号}"), "used by the warehouse"),
        (("{name: loan_no, label: 借据号}", "{name: loan_no, lable: 借据号}"), "unknown key(s) ['lable']"),
        (("  - common: id_number", "  - common: passport"), "common field 'passport' is not one of"),
        (("meaning: 一笔脱贫人口小额信贷的还款状态\n", ""), "meaning: expected a non-empty text"),
        (("fields:", "fields: [\n"), "not valid YAML"),
    ],
)
def test_a_malformed_county_source_is_refused_naming_file_and_entry(tmp_path, change, expected):
    old, new = change
    assert old in MICROCREDIT
    path = write_county_source(tmp_path, MICROCREDIT.replace(old, new, 1))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(tmp_path)
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_an_edited_county_source_is_read_again(tmp_path):
    path = write_county_source(tmp_path, MICROCREDIT)
    assert load_catalogue(tmp_path).get("microcredit").department == "县农村商业银行"
    import os

    path.write_text(MICROCREDIT.replace("县农村商业银行", "县农商行"), encoding="utf-8")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))
    assert load_catalogue(tmp_path).get("microcredit").department == "县农商行"


def test_sources_list_shows_the_county_source_and_its_file(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    write_county_source(tmp_path / "county", MICROCREDIT)
    result = CliRunner().invoke(app, ["sources", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "microcredit" in result.output and "县农村商业银行" in result.output
    assert "medical_insurance" in result.output


def test_a_bad_county_source_stops_every_command_with_one_clear_line(tmp_path, monkeypatch, capsys):
    from pipelines import cli

    write_county_source(tmp_path / "county", MICROCREDIT.replace("type: int", "type: integr"))
    monkeypatch.setattr("sys.argv", ["dixian", "sources", "list", "--data-dir", str(tmp_path)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 2
    out = capsys.readouterr().out
    assert "本县数据来源定义有误" in out and "microcredit.yaml" in out and "integr" in out
