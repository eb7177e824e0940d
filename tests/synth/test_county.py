from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest.lexicon import load_lexicon
from pipelines.ingest.meaning import category_table, map_category
from pipelines.normalize.idcard import is_valid, upgrade_15
from pipelines.normalize.values import parse_amount_expr, parse_date_expr
from pipelines.synth import SynthResult
from pipelines.synth.layout import AMOUNT_FIELDS, DATE_FIELDS, HEADERS, SYNTH_SOURCES
from pipelines.synth.places import TOWNSHIPS
from pipelines.synth.registry import REGISTRY_HEADERS
from schemas import get_source

from .conftest import all_files
from .readback import header_row, read_raw


def _truth(result: SynthResult, name: str) -> list[dict[str, str]]:
    with result.truth[name].open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_same_seed_gives_identical_bytes(county, county_again):
    a, b = all_files(county.out_dir), all_files(county_again.out_dir)
    assert [p.relative_to(county.out_dir) for p in a] == [p.relative_to(county_again.out_dir) for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_other_seed_differs(county, county_other_seed):
    assert county.registry.read_bytes() != county_other_seed.registry.read_bytes()
    assert county.truth["extract_rows"].read_bytes() != county_other_seed.truth["extract_rows"].read_bytes()


def test_registry_headers_ids_and_townships(county):
    frame = pl.read_excel(county.registry, engine="calamine", infer_schema_length=0)
    assert tuple(frame.columns) == REGISTRY_HEADERS
    assert frame.height == county.persons
    ids = frame["证件号码"].to_list()
    assert len(set(ids)) == len(ids) and all(is_valid(i) for i in ids)
    assert frame["乡(镇)"].n_unique() == 8
    villages = frame.group_by("乡(镇)").agg(pl.col("行政村").n_unique().alias("n"))
    assert villages["n"].is_between(6, 13).all()
    sizes = frame.group_by("户编号").agg(pl.len().alias("n"), pl.col("家庭人口数").first())
    assert sizes["n"].is_between(1, 7).all()
    assert (sizes["n"].cast(pl.String) == sizes["家庭人口数"]).all()


def test_registry_ids_are_text_cells(county):
    import openpyxl

    ws = openpyxl.load_workbook(county.registry, read_only=True).active
    for row in ws.iter_rows(min_row=2, max_row=30, max_col=4, values_only=True):
        assert all(isinstance(v, str) for v in row)


def test_extract_headers_are_accepted_aliases(county):
    from pipelines.ingest.header import source_words
    from pipelines.ingest.lexicon import load_lexicon
    from pipelines.ingest.meaning import ACCEPT, header_score

    lexicon = load_lexicon()
    for source in SYNTH_SOURCES:
        src = get_source(source)
        fields = {f.name: f for f in src.fields}
        # the generator writes a subset of the catalogue's fields, every required one among them
        assert set(HEADERS[source]) <= set(fields), source
        assert {f.name for f in src.fields if f.required} <= set(HEADERS[source]), source
        words = source_words(src, lexicon)
        for name, header in HEADERS[source].items():
            assert header_score(header, words[name]) >= ACCEPT, (
                f"{source}.{name}: {header!r} does not read as {name}"
            )
        for path in county.extracts[source]:
            frame = read_raw(path)
            written = [v for v in frame.row(header_row(path, frame)) if v is not None]
            assert written == list(HEADERS[source].values()), path.name
    wordings = {h for headers in HEADERS.values() for h in headers.values()}
    assert {"身份证号码", "公民身份号码", "证件号码", "学籍号(身份证)"} <= wordings


LEXICON = load_lexicon()


def test_enum_date_and_amount_values_parse(county):
    for source in SYNTH_SOURCES:
        fields = {f.name: f for f in get_source(source).fields}
        names = list(HEADERS[source])
        for path in county.extracts[source]:
            raw = read_raw(path)
            start = header_row(path, raw) + 1
            data = raw.slice(start).rename(dict(zip(raw.columns, names, strict=True)))
            data = data.filter(pl.col(names[0]) != "合计")
            for name in names:
                f = fields[name]
                col = data[name]
                if f.type == "enum":
                    table = category_table(LEXICON.vocab.get((source, name), {}))
                    unknown = {v for v in col.drop_nulls().to_list() if map_category(v, table) is None}
                    assert not unknown, (path.name, name, unknown)
                if name in DATE_FIELDS:
                    assert data.select(parse_date_expr(pl.col(name)).is_null().sum()).item() == 0, (
                        path.name,
                        name,
                    )
                if name in AMOUNT_FIELDS:
                    assert data.select(parse_amount_expr(pl.col(name)).is_null().sum()).item() == 0, (
                        path.name,
                        name,
                    )


def test_truth_row_numbers_point_at_the_right_rows(county):
    rows = [r for r in _truth(county, "extract_rows") if r["source"] in SYNTH_SOURCES]
    by_file: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_file.setdefault(r["file"], []).append(r)
    assert len(by_file) == sum(len(county.extracts[s]) for s in SYNTH_SOURCES)
    for rel, lines in by_file.items():
        path = county.out_dir / rel
        frame = read_raw(path)
        name_col = list(HEADERS[lines[0]["source"]]).index("name")
        id_col = list(HEADERS[lines[0]["source"]]).index("id_number")
        data_rows = (
            frame.height
            - header_row(path, frame)
            - 1
            - (1 if frame.row(frame.height - 1)[0] == "合计" else 0)
        )
        assert data_rows == len(lines), rel
        for line in lines:
            row = frame.row(int(line["row_no"]) - 1)
            assert row[name_col] == line["name_written"], (rel, line["row_no"])
            if line["dirt"] != "damaged_id":
                assert (row[id_col] or "") == line["id_written"], (rel, line["row_no"])


def test_dirt_kinds_present_and_well_formed(county):
    rows = [r for r in _truth(county, "extract_rows") if r["source"] in SYNTH_SOURCES]
    kinds = Counter(r["dirt"] for r in rows)
    expected = {
        "clean", "missing_id", "id15", "wrong_digit", "swapped_digits", "fullwidth", "spaces",
        "traditional_name", "homophone_name", "abbreviated_address", "repeated_row", "damaged_id",
        "stranger", "stranger_same_name",
    }  # fmt: skip
    assert expected <= set(kinds), expected - set(kinds)
    about_registry = sum(v for k, v in kinds.items() if not k.startswith("stranger"))
    assert 0.65 <= about_registry / len(rows) <= 0.85
    assert 0.5 <= kinds["clean"] / about_registry <= 0.7
    registry = pl.read_excel(county.registry, engine="calamine", infer_schema_length=0)
    true_id = dict(zip(registry["人编号"], registry["证件号码"], strict=True))
    true_name = dict(zip(registry["人编号"], registry["姓名"], strict=True))
    registry_names = set(registry["姓名"])
    for r in rows:
        dirt, written = r["dirt"], r["id_written"]
        if dirt == "id15":
            assert len(written) == 15 and upgrade_15(written) == true_id[r["true_person_id"]]
        elif dirt in ("wrong_digit", "swapped_digits"):
            assert len(written) == 18 and not is_valid(written)
        elif dirt == "missing_id":
            assert written == ""
        elif dirt == "lowercase_x":
            assert written.endswith("x")
        elif dirt == "damaged_id":
            assert "E+17" in written
        elif dirt == "traditional_name":
            assert r["name_written"] != true_name[r["true_person_id"]]
        elif dirt == "clean":
            assert (
                written == true_id[r["true_person_id"]]
                and r["name_written"] == true_name[r["true_person_id"]]
            )
        elif dirt == "stranger_same_name":
            assert r["true_person_id"] == "" and r["name_written"] in registry_names and is_valid(written)
            assert written not in true_id.values()


def test_damaged_ids_are_number_cells(county):
    import openpyxl

    rows = [r for r in _truth(county, "extract_rows") if r["dirt"] == "damaged_id"]
    assert rows
    for r in rows[:5]:
        ws = openpyxl.load_workbook(county.out_dir / r["file"]).active
        cells = [c.value for c in ws[int(r["row_no"])]]
        assert any(isinstance(v, float) and v > 1e17 for v in cells)


def test_every_township_has_a_warning_and_planted_risks_fire(county):
    warnings = _truth(county, "expected_warnings")
    assert {w["township"] for w in warnings} == {t.name for t in TOWNSHIPS}
    fired = {(w["household_id"], w["rule_id"]) for w in warnings}
    hits = {(i.household_id, i.rule_id) for i in county.intents if i.kind == "hit"}
    nears = {(i.household_id, i.rule_id) for i in county.intents if i.kind == "near"}
    assert hits <= fired
    assert not nears & fired
    assert {w["rule_id"] for w in warnings} == {
        "ILL-001", "ILL-002", "SCH-001", "DSR-001", "DAB-001", "IND-001", "EMP-001", "ACC-001", "AST-001", "HOU-001",
        "WAT-001", "EXC-001", "EXC-002", "EXC-003", "EXC-004",
    }  # fmt: skip
    reach = Counter(w["exact_reachable"] for w in warnings)
    assert reach["true"] > 0 and reach["false"] > 0


def test_households_truth_matches_registry(county):
    rows = _truth(county, "households")
    assert len(rows) == county.households
    assert {r["segment"] for r in rows} <= {"poverty_exit", "monitored", "ordinary"}
    # each household of the registry, with its place and the segment its registry columns give: a
    # monitoring type whose risk is not eliminated is monitored, else 脱贫户 is poverty_exit, else ordinary
    registry = pl.read_excel(county.registry, engine="calamine", infer_schema_length=0)
    from_registry = {}
    for r in registry.iter_rows(named=True):
        if r["监测对象类别"] and r["风险是否消除"] != "是":
            segment = "monitored"
        else:
            segment = "poverty_exit" if r["户类型"] == "脱贫户" else "ordinary"
        from_registry[r["户编号"]] = (r["乡(镇)"], r["行政村"], segment)
    assert {r["household_id"]: (r["township"], r["village"], r["segment"]) for r in rows} == from_registry
    assert {r["segment"] for r in rows} == {"poverty_exit", "monitored", "ordinary"}


def test_gbk_files_decode_as_gbk_not_utf8(county):
    gbk = [p for ps in county.extracts.values() for p in ps if p.name.startswith(("大病慢病", "自然灾害"))]
    assert gbk
    for path in gbk:
        data = path.read_bytes()
        data.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")


def test_bom_and_plain_utf8_csv_present(county):
    csvs = [p for ps in county.extracts.values() for p in ps if p.suffix == ".csv"]
    boms = [p.read_bytes().startswith(b"\xef\xbb\xbf") for p in csvs]
    assert any(boms) and not all(boms)


@pytest.mark.parametrize("source", SYNTH_SOURCES)
def test_every_source_has_rows(county, source):
    assert county.rows_per_source[source] > 10
    assert all(isinstance(p, Path) and p.exists() for p in county.extracts[source])
    # the rows are in the files: read back below the header, without the totals row, they are as many
    # as the generator reports and as the ground truth lists for the source
    written = 0
    for path in county.extracts[source]:
        raw = read_raw(path)
        written += sum(1 for row in raw.slice(header_row(path, raw) + 1).iter_rows() if row[0] != "合计")
    listed = sum(1 for r in _truth(county, "extract_rows") if r["source"] == source)
    assert written == county.rows_per_source[source] == listed


CHECK_RULE_IDS = ("WAT-001", "EXC-001", "EXC-002", "EXC-003", "EXC-004")


def test_water_and_exclusion_checks_have_hits_and_near_misses(county):
    kinds = Counter((i.rule_id, i.kind) for i in county.intents)
    for rule_id in CHECK_RULE_IDS:
        # one hit per township at least, where the township has a monitored household to plant on
        assert kinds[(rule_id, "hit")] >= 6 and kinds[(rule_id, "near")] >= 8, rule_id


def test_exclusion_warnings_only_for_monitored_households(county):
    segment = {r["household_id"]: r["segment"] for r in _truth(county, "households")}
    exclusion = [w for w in _truth(county, "expected_warnings") if w["rule_id"].startswith("EXC-")]
    assert exclusion and {segment[w["household_id"]] for w in exclusion} == {"monitored"}
    near = {i.household_id for i in county.intents if i.rule_id.startswith("EXC-") and i.kind == "near"}
    assert {segment[h] for h in near} >= {"monitored", "ordinary"}


def test_exclusion_rows_mostly_about_ordinary_households(county):
    segment = {r["household_id"]: r["segment"] for r in _truth(county, "households")}
    rows = [
        r for r in _truth(county, "extract_rows")
        if r["source"] in ("vehicles", "real_estate", "market_supervision", "public_payroll")
        and r["true_household_id"]
    ]  # fmt: skip
    seg = Counter(segment[r["true_household_id"]] for r in rows)
    assert seg["ordinary"] > seg["monitored"] + seg["poverty_exit"]
    assert seg["monitored"] > 0


def test_water_fix_status_and_fix_date_agree(county):
    (path,) = county.extracts["water"]
    raw = read_raw(path)
    start = header_row(path, raw) + 1
    names = list(HEADERS["water"])
    data = raw.slice(start).rename(dict(zip(raw.columns, names, strict=True)))
    statuses = set(data["fix_status"].to_list())
    assert {"已解决", "整改中"} <= statuses
    fixed = data.filter(pl.col("fix_status").is_in(["已解决", "已整改", "已修复", "已完成"]))
    assert fixed["fix_date"].null_count() == 0
    assert (
        data.filter(~pl.col("fix_status").is_in(["已解决", "已整改", "已修复", "已完成"]))[
            "fix_date"
        ].null_count()
        == data.height - fixed.height
    )
