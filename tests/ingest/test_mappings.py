"""Ask once: an uncertain file is refused with a mapping proposal; once the officer confirms it, files
with the same header row load by it, in any folder; `dixian sources map` writes the same proposal."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from pipelines.ingest.inbox import ingest_paths
from pipelines.ingest.mappings import MappingError, load_mappings
from pipelines.warehouse import connect
from tests.ingest.cases.make_cases import ID_A, ID_B

ODD = "人员,号码,日子,钱数\n张三,{a},2026-10-05,100\n李四,{b},2026-10-06,200\n"


def test_uncertain_file_gets_a_proposal_then_loads_by_the_confirmed_mapping(tmp_path):
    county = tmp_path / "county"
    path = tmp_path / "inbox" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text(ODD.format(a=ID_A, b=ID_B), encoding="utf-8")
    with connect(":memory:") as con:
        (first,) = ingest_paths(con, [path], None, period="2026-10", county_dir=county)
    assert first.status == "refused" and "mapping proposal" in first.message
    (proposal_path,) = (county / "mappings").glob("*.yaml")
    prop = yaml.safe_load(proposal_path.read_text("utf-8"))
    assert prop["confirmed"] is False and [c["header"] for c in prop["columns"]] == [
        "人员",
        "号码",
        "日子",
        "钱数",
    ]
    assert all("samples" in c for c in prop["columns"])
    assert load_mappings(county) == {}  # a proposal is not used until confirmed

    # the officer corrects it once
    prop.update(source="civil_affairs", confirmed=True)
    fields = {"人员": "name", "号码": "id_number", "日子": "event_date", "钱数": "amount"}
    prop["columns"] = [{"header": h, "field": f} for h, f in fields.items()]
    proposal_path.write_text(yaml.safe_dump(prop, allow_unicode=True), "utf-8")
    other = tmp_path / "elsewhere" / "y.csv"  # same header row, other folder, other rows
    other.parent.mkdir()
    other.write_text(ODD.format(a=ID_B, b=ID_A), encoding="utf-8")
    with connect(":memory:") as con:
        # civil_affairs requires a programme: a confirmed mapping without it still refuses, clearly
        (acc,) = ingest_paths(con, [other], None, period="2026-10", county_dir=county)
        assert acc.source == "civil_affairs" and acc.category == "missing_columns"
    prop["source"] = "public_payroll"
    prop["columns"] = [
        {"header": "人员", "field": "name"},
        {"header": "号码", "field": "id_number"},
        {"header": "日子", "field": "start_date"},
        {"header": "钱数", "field": "employer"},
    ]
    proposal_path.write_text(yaml.safe_dump(prop, allow_unicode=True), "utf-8")
    with connect(":memory:") as con:
        (acc,) = ingest_paths(con, [other], None, period="2026-10", county_dir=county)
        assert (acc.status, acc.source, acc.rows_loaded) == ("loaded", "public_payroll", 2)
        assert "confirmed mapping" in acc.detection
        assert con.sql("SELECT name, employer FROM raw.public_payroll ORDER BY row_no").fetchall() == [
            ("张三", "100"),
            ("李四", "200"),
        ]


def test_a_mapping_naming_an_unknown_field_is_an_error(tmp_path):
    folder = tmp_path / "mappings"
    folder.mkdir()
    (folder / "m.yaml").write_text(
        yaml.safe_dump({"confirmed": True, "source": "hrss", "columns": [{"header": "a", "field": "nope"}]}),
        "utf-8",
    )
    try:
        load_mappings(tmp_path)
    except MappingError as exc:
        assert "nope" in str(exc) and "m.yaml" in str(exc)
    else:
        raise AssertionError("expected MappingError")


def test_sources_map_command_writes_a_proposal(tmp_path):
    from pipelines.cli import app

    path = tmp_path / "a.csv"
    path.write_text(ODD.format(a=ID_A, b=ID_B), encoding="utf-8")
    res = CliRunner().invoke(app, ["sources", "map", str(path), "--data-dir", str(tmp_path / "data")])
    assert res.exit_code == 0, res.output
    (written,) = (tmp_path / "data" / "county" / "mappings").glob("*.yaml")
    assert (
        "confirmed: true" in res.output and yaml.safe_load(written.read_text("utf-8"))["confirmed"] is False
    )
