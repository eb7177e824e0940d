import shutil
from pathlib import Path

from pipelines import stage_markers as markers
from pipelines.warehouse import connect

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_match_is_redone_only_when_its_inputs_change():
    con = connect(":memory:")
    fp = markers.match_fingerprint(con, "2026-11")
    assert fp == markers.match_fingerprint(con, "2026-11")
    markers.mark(con, "2026-11", "match", fp, {"match_stats": [1]})
    assert markers.completed(con, "2026-11", "match", fp) == {"match_stats": [1]}
    con.execute("INSERT INTO meta.batches (batch_id, source, status) VALUES ('b1', 'health', 'loaded')")
    new_fp = markers.match_fingerprint(con, "2026-11")
    assert new_fp != fp
    assert markers.completed(con, "2026-11", "match", new_fp) is None


def test_another_periods_match_in_between_invalidates_the_marker():
    con = connect(":memory:")
    nov, dec = markers.match_fingerprint(con, "2026-11"), markers.match_fingerprint(con, "2026-12")
    markers.mark(con, "2026-11", "match", nov, {})
    markers.mark(con, "2026-12", "match", dec, {})  # facts now belong to December
    assert markers.completed(con, "2026-11", "match", nov) is None
    assert markers.completed(con, "2026-12", "match", dec) == {}


def test_a_changed_threshold_redoes_the_rules(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    con = connect(":memory:")
    before = markers.rules_fingerprint(con, "2026-11", rules, "m")
    params = rules / "parameters.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("ordinary: 20000", "ordinary: 25000"), encoding="utf-8"
    )
    assert markers.rules_fingerprint(con, "2026-11", rules, "m") != before
