"""Cumulative resends: unchanged rows are not added again, a changed row becomes a new version, and
facts are built from the latest version of each natural key."""

from __future__ import annotations

import pytest

from pipelines.facts import build_facts
from pipelines.ingest.inbox import ingest_paths
from pipelines.warehouse import connect

HEADER = "结算单号,参保人姓名,公民身份号码,结算日期,总费用,个人负担"
ROWS = {
    "C1": "C1,张三,341722199001011235,2026-10-03,1000,300",
    "C2": "C2,李四,341722198505054322,2026-10-05,2000,500",
    "C3": "C3,王五,,2026-10-09,300,100",
}


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


def write(path, lines):
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_cumulative_resend_counts_unchanged_changed_and_new(con, tmp_path):
    october = write(tmp_path / "10月.csv", ROWS.values())
    [first] = ingest_paths(con, [october], "medical_insurance", period="2026-10")
    assert (first.rows_loaded, first.rows_unchanged, first.rows_changed) == (3, 0, 0)

    resend = write(
        tmp_path / "1-11月.csv",
        [
            ROWS["C1"],  # unchanged
            "C2,李四,341722198505054322,2026-10-05,2000,650",  # corrected out-of-pocket
            ROWS["C3"],  # unchanged
            "C4,赵六,341722201009090011,2026-11-02,500,200",  # new
            "C5,孙七,,2026-11-03,400,100",  # new
        ],
    )
    [second] = ingest_paths(con, [resend], "medical_insurance", period="2026-11")
    assert (second.rows_read, second.rows_loaded, second.rows_unchanged, second.rows_changed) == (5, 2, 2, 1)
    assert second.balanced
    versions = con.sql(
        "SELECT natural_key, version, out_of_pocket FROM raw.medical_insurance ORDER BY natural_key, version"
    ).fetchall()
    assert versions == [
        ("k:C1", 1, 300.0),
        ("k:C2", 1, 500.0),  # the old version is kept, never overwritten
        ("k:C2", 2, 650.0),
        ("k:C3", 1, 100.0),
        ("k:C4", 1, 200.0),
        ("k:C5", 1, 100.0),
    ]

    # facts read only the latest version (every row matched here: the matcher is not under test)
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute(
        "CREATE TABLE core.persons (person_id VARCHAR, household_id VARCHAR, birth_date DATE, sex VARCHAR, relation VARCHAR)"
    )
    con.execute("CREATE TABLE core.households (household_id VARCHAR, segment VARCHAR)")
    con.execute(
        "INSERT INTO link.matches SELECT 'medical_insurance', row_key, '2026-11', NULL, NULL, 'unmatched',"
        " NULL, 0, '', 'missing' FROM raw.medical_insurance"
    )
    assert build_facts(con, "medical_insurance", "2026-11") == 5
    facts = con.sql(
        "SELECT claim_no, out_of_pocket FROM link.facts_medical_insurance ORDER BY claim_no"
    ).fetchall()
    assert facts == [("C1", 300.0), ("C2", 650.0), ("C3", 100.0), ("C4", 200.0), ("C5", 100.0)]


def test_incomplete_key_falls_back_to_content_hash(con, tmp_path):
    a = write(tmp_path / "a.csv", [",张三,,2026-10-03,1000,300"])
    b = write(tmp_path / "b.csv", [",张三,,2026-10-03,1000,300", ",张三,,2026-10-03,1000,301"])
    ingest_paths(con, [a], "medical_insurance", period="2026-10")
    [acc] = ingest_paths(con, [b], "medical_insurance", period="2026-11")
    # no claim number: the same content is unchanged, other content is a different row, never a "change"
    assert (acc.rows_loaded, acc.rows_unchanged, acc.rows_changed) == (1, 1, 0)
    keys = [r[0] for r in con.sql("SELECT natural_key FROM raw.medical_insurance").fetchall()]
    assert all(k.startswith("h:") for k in keys) and len(set(keys)) == 2


def test_rows_repeated_within_a_file_are_ignored_with_a_reason(con, tmp_path):
    f = write(tmp_path / "dup.csv", [ROWS["C1"], ROWS["C2"], ROWS["C1"]])
    [acc] = ingest_paths(con, [f], "medical_insurance", period="2026-10")
    assert (acc.rows_read, acc.rows_loaded, acc.rows_ignored) == (3, 2, 1)
    assert con.sql("SELECT row_no, reason FROM meta.ignored").fetchall()[0][0] == 4


def test_same_key_changed_within_one_file_keeps_file_order(con, tmp_path):
    f = write(tmp_path / "x.csv", [ROWS["C2"], "C2,李四,341722198505054322,2026-10-05,2000,650"])
    [acc] = ingest_paths(con, [f], "medical_insurance", period="2026-10")
    assert (acc.rows_loaded, acc.rows_changed) == (1, 1)
    assert con.sql("SELECT row_no, version FROM raw.medical_insurance ORDER BY row_no").fetchall() == [
        (2, 1),
        (3, 2),
    ]


def test_registry_is_a_snapshot_loaded_whole(con, tmp_path):
    header = "户编号,姓名,证件号码,乡(镇),行政村"
    row = "H1,张三,341722199001011235,仁里镇,一村"
    for name in ("r1.csv", "r2.csv"):
        (tmp_path / name).write_text(f"{header}\n{row}\n{row.replace('一村', '一村 ')}\n", encoding="utf-8")
    (tmp_path / "r2.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    ingest_paths(con, [tmp_path / "r1.csv"], "registry", period="2026-11")
    [acc] = ingest_paths(con, [tmp_path / "r2.csv"], "registry", period="2026-11")
    assert (acc.rows_loaded, acc.rows_unchanged) == (1, 0)  # the latest export must hold every person


def test_full_width_key_is_the_same_key_as_its_ascii_form(con, tmp_path):
    """The natural key is NFKC-folded (a key column that is all ASCII skips the fold, for speed): a
    resend that writes the claim number in full-width letters updates the same claim."""
    [first] = ingest_paths(
        con, [write(tmp_path / "a.csv", [ROWS["C1"]])], "medical_insurance", period="2026-10"
    )
    resend = write(
        tmp_path / "b.csv", ["ｃ１,张三,341722199001011235,2026-10-03,1000,350".replace("ｃ", "Ｃ")]
    )
    [second] = ingest_paths(con, [resend], "medical_insurance", period="2026-11")
    assert (first.rows_loaded, second.rows_loaded, second.rows_changed) == (1, 0, 1)
    assert con.sql("SELECT DISTINCT natural_key FROM raw.medical_insurance").fetchall() == [("k:C1",)]


def test_rows_are_stored_in_file_order_with_repeats_ignored(con, tmp_path):
    """The wide rows go in straight from the frame (no join, no sort): file order is kept, and a row
    repeated within the file is reported as ignored, not stored."""
    lines = [f"C{i},张三,,2026-10-03,{i},1" for i in range(300, 0, -1)]
    path = write(tmp_path / "a.csv", [*lines, lines[5]])
    [a] = ingest_paths(con, [path], "medical_insurance", period="2026-10")
    assert (a.rows_read, a.rows_loaded, a.rows_ignored) == (301, 300, 1)
    stored = [r[0] for r in con.sql("SELECT claim_no FROM raw.medical_insurance").fetchall()]
    assert stored == [f"C{i}" for i in range(300, 0, -1)]
    ignored = con.sql("SELECT row_no, reason FROM meta.ignored").fetchall()
    assert [r[0] for r in ignored] == [302] and "重复" in ignored[0][1]
