"""Grid visit ledgers: one per township, every monitored household visited except the planted misses."""

from __future__ import annotations

import csv

import polars as pl

from pipelines.ingest.header import find_header
from pipelines.ingest.readers import read_any
from schemas import get_source


def _csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_one_ledger_per_township_with_accepted_headers(county):
    ledgers = county.extracts["grid_ledger"]
    assert len(ledgers) == 8
    source = get_source("grid_ledger")
    for path in ledgers:
        header = find_header(read_any(path)[0].grid, source, str(path))
        assert {"visit_date", "grid_worker", "name", "id_number", "risk_found"} <= set(
            header.columns.values()
        )


def test_truth_marks_exactly_the_unvisited_monitored_households(county):
    households = _csv(county.truth["households"])
    ledger_rows = [r for r in _csv(county.truth["extract_rows"]) if r["source"] == "grid_ledger"]
    visited = {r["true_household_id"] for r in ledger_rows}
    monitored = [h for h in households if h["segment"] == "monitored"]
    unvisited = {h["household_id"] for h in households if h["monitored_unvisited"] == "true"}
    assert monitored, "the small county has monitored households"
    assert unvisited == {h["household_id"] for h in monitored if h["household_id"] not in visited}
    assert all(h["segment"] == "monitored" for h in households if h["household_id"] in unvisited)


def test_ledger_rows_point_at_the_head_of_household(county):
    ledger_rows = [r for r in _csv(county.truth["extract_rows"]) if r["source"] == "grid_ledger"]
    first = ledger_rows[0]
    grid = read_any(county.out_dir / first["file"])[0].grid
    row = grid.filter(pl.col("row_no") == int(first["row_no"])).row(0, named=True)
    assert first["name_written"] in row.values()
    assert first["id_written"] in row.values()
    # every visit names the household's head (户主 in the registry), of the household it is about
    registry = pl.read_excel(county.registry, engine="calamine", infer_schema_length=0)
    person = {r["人编号"]: r for r in registry.iter_rows(named=True)}
    assert {person[r["true_person_id"]]["与户主关系"] for r in ledger_rows} == {"户主"}
    assert all(person[r["true_person_id"]]["户编号"] == r["true_household_id"] for r in ledger_rows)
