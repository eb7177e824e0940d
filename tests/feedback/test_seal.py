"""The county's keyed seal on township workbooks (issue 13): a forged listing is refused, whatever the
forger recomputes; workbooks issued before the key still import for their own period, checked per household."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from feedback_cases import P2, RULES, TODAY, build, fill, ok

from pipelines.export import write_township_workbook
from pipelines.export.meta import META_SHEET
from pipelines.feedback import import_feedback
from pipelines.seal import KEY_FILE, county_key, legacy_digest, load_key


def export_sealed(con, tmp, key, period=P2, township="小河镇"):
    warnings = con.sql(
        "SELECT * FROM warn.warnings WHERE period = ? AND township = ? ORDER BY warning_id",
        params=[period, township],
    ).pl()
    path = tmp / f"{township}_预警核实表_{period}.xlsx"
    return write_township_workbook(
        path, township, period, warnings, RULES, due_date=date(2026, 12, 31), seal_key=key
    )


def forge(path, swap_households=True, seal="sha256"):
    """What an editor of the hidden sheet can do: point one visit at another's warnings and recompute
    the plain sha256 seal (the HMAC needs the county key, which is not in the file)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[META_SHEET]
    rows = [[c.value or "" for c in r] for r in ws.iter_rows(min_row=2)]
    visits = [i for i, r in enumerate(rows) if r[0] == "visit"]
    if swap_households:
        a, b = visits[0], visits[1]
        rows[a][2], rows[b][2] = rows[b][2], rows[a][2]
    body = [tuple(r) for r in rows[:-1]]
    rows[-1] = [seal, legacy_digest(body), ""]
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            ws.cell(i, j).value = v
    wb.save(path)
    return path


@pytest.fixture
def key(tmp_path):
    return county_key(tmp_path / "county", P2)


def test_the_key_is_created_once_owner_only_and_kept(tmp_path):
    first = county_key(tmp_path / "county", P2)
    again = county_key(tmp_path / "county", "2027-01")
    assert first == again and first.since == P2 and len(first.secret) == 32
    path = tmp_path / "county" / KEY_FILE
    assert path.stat().st_mode & 0o077 == 0
    assert json.loads(path.read_text())["since"] == P2


def test_a_keyed_workbook_imports(con, tmp_path, key):
    build(con, P2)
    filled = fill(export_sealed(con, tmp_path, key), {"H1": ok("风险属实-纳入监测")})
    [report] = import_feedback(con, [filled], today=TODAY, key=key)
    assert report.status == "imported" and report.applied == 1
    assert not [i for i in report.issues if i.code == "legacy_seal"]


def test_a_forged_listing_with_a_recomputed_plain_seal_is_refused(con, tmp_path, key):
    build(con, P2)
    filled = fill(export_sealed(con, tmp_path, key), {"H1": ok(), "H2": ok()})
    [report] = import_feedback(con, [forge(filled)], today=TODAY, key=key)
    assert report.status == "refused"
    assert "旧版校验码" in report.message_zh
    assert con.sql("SELECT count(*) FROM warn.verifications").fetchall() == [(0,)]


def test_a_keyed_seal_recomputed_without_the_key_is_refused(con, tmp_path, key):
    build(con, P2)
    filled = fill(export_sealed(con, tmp_path, key), {"H1": ok()})
    [report] = import_feedback(con, [forge(filled, seal="hmac-sha256")], today=TODAY, key=key)
    assert report.status == "refused" and "校验码不符" in report.message_zh


def test_without_the_key_file_a_keyed_workbook_cannot_be_verified(con, tmp_path, key):
    build(con, P2)
    filled = fill(export_sealed(con, tmp_path, key), {"H1": ok()})
    [report] = import_feedback(con, [filled], today=TODAY, key=None)
    assert report.status == "refused" and "密钥缺失" in report.message_zh


def test_an_old_workbook_imports_for_its_own_period_with_a_note(con, tmp_path):
    build(con, P2)
    old = fill(export_sealed(con, tmp_path, key=None), {"H1": ok()})  # issued before the key existed
    later_key = county_key(tmp_path / "county", "2099-01")
    [report] = import_feedback(con, [old], today=TODAY, key=later_key)
    assert report.status == "imported" and report.applied == 1
    assert [i.code for i in report.issues if i.code == "legacy_seal"] == ["legacy_seal"]


def test_an_old_workbook_pointing_a_visit_at_another_household_is_refused(con, tmp_path):
    build(con, P2)
    old = fill(export_sealed(con, tmp_path, key=None), {"H1": ok(), "H2": ok()})
    [report] = import_feedback(con, [forge(old)], today=TODAY, key=load_key(tmp_path / "county"))
    assert report.status == "refused" and "预警与户编号不符" in report.message_zh
    assert con.sql("SELECT count(*) FROM warn.verifications").fetchall() == [(0,)]
