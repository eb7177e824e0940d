"""A county adds a department feed with YAML only: source file, lexicon-free detection, a rule, and the
warning in the township workbook — no Python."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.flows.monthly import monthly_screening
from pipelines.synth import generate_county

PERIOD = "2026-11"
REPO = Path(__file__).resolve().parents[2]
MICROCREDIT = REPO / "tests" / "catalogue" / "microcredit.yaml"

RULE = """
cause: industry
cause_label: 因产业失败
rules:
  - id: IND-901
    title: 小额信贷逾期
    source: microcredit
    window: all_time
    per: household
    measures:
      worst: max(overdue_days)
    when: worst >= 90
    severity: yellow
    message: 脱贫人口小额信贷逾期 {worst:.0f} 天
    description: 农商行报送的脱贫人口小额信贷逾期90天以上，可能因产业经营失败无力还款。
    examples:
      - name: long overdue fires
        given: {microcredit: [{household: H1, person: A, overdue_days: 120, due_date: 2026-06-30}]}
        expect: [{household: H1}]
      - name: a few days late does not
        given: {microcredit: [{household: H2, person: B, overdue_days: 10, due_date: 2026-06-30}]}
        expect: []
"""

pytestmark = pytest.mark.slow


def registry_people(data: Path) -> list[tuple[str, str, str, str]]:
    """(household_id, name, id_number, township) of the first persons of distinct households."""
    (path,) = (data / "registry").glob("*.xlsx")
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    head = [str(c) for c in rows[0]]
    hh, nm, idn, tw = (head.index(c) for c in ("户编号", "姓名", "证件号码", "乡(镇)"))
    seen: dict[str, tuple[str, str, str, str]] = {}
    for r in rows[1:]:
        if r[idn] and r[hh] not in seen:
            seen[str(r[hh])] = (str(r[hh]), str(r[nm]), str(r[idn]), str(r[tw]))
    return list(seen.values())


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    data = tmp_path_factory.mktemp("county")
    generate_county(data, households=80, seed=11, period=PERIOD)
    (data / "county" / "sources").mkdir(parents=True)
    shutil.copy(MICROCREDIT, data / "county" / "sources" / "microcredit.yaml")
    rules = tmp_path_factory.mktemp("rules")
    shutil.copytree(REPO / "rules", rules, dirs_exist_ok=True)
    (rules / "microcredit.yaml").write_text(RULE, encoding="utf-8")
    people = registry_people(data)
    late, fine = people[3], people[10]
    # the folder carries the department's own name only: no lexicon entry knows it
    folder = data / "inbox" / PERIOD / "县农村商业银行"
    folder.mkdir(parents=True)
    lines = ["借款人姓名,身份证号,借据号,贷款金额,逾期天数,到期日期"]
    lines.append(f"{late[1]},{late[2]},JK-001,50000,135,2026-06-30")
    lines.append(f"{fine[1]},{fine[2]},JK-002,30000,0,2026-12-31")
    (folder / "小额信贷还款情况.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = monthly_screening(period=PERIOD, data_dir=str(data), rules_dir=str(rules))
    return data, result, late, fine


def test_the_county_file_loads_as_its_own_source(county):
    _, result, _, _ = county
    (account,) = [a for a in result["accounts"] if a["file"].endswith("小额信贷还款情况.csv")]
    assert account["source"] == "microcredit", account
    assert account["status"] == "loaded"
    assert (account["rows_read"], account["rows_loaded"]) == (2, 2)


def test_the_county_rule_warns_the_late_household_only(county):
    data, _, late, fine = county
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        got = con.sql(
            "SELECT household_id, township, department FROM warn.warnings WHERE rule_id = 'IND-901'"
        ).fetchall()
    assert got == [(late[0], late[3], "县农村商业银行")]
    assert fine[0] not in {g[0] for g in got}


def test_the_warning_reaches_the_township_workbook(county):
    data, _, late, _ = county
    path = data / "out" / PERIOD / f"{late[3]}_预警核实表_{PERIOD}.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True)
    texts = {str(c) for row in wb["预警核实表"].iter_rows(values_only=True) for c in row if c}
    assert "小额信贷逾期" in " ".join(texts)
    # on the late household's own row: the rule, its evidence from the file, the bank, the cause
    rows = list(wb["预警核实表"].iter_rows(values_only=True))
    head = list(rows[0])
    (row,) = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[head.index("户编号")] == late[0]]
    assert "IND-901 小额信贷逾期" in row["预警规则"].splitlines()
    assert "IND-901：脱贫人口小额信贷逾期 135 天" in row["预警依据"].splitlines()
    assert "县农村商业银行" in row["数据来源部门"].split("、")
    assert "因产业项目失败" in row["预警原因"].split(
        "、"
    )  # the county rule says 因产业失败: shown nationally
    # and on no other row of any township's workbook: the household repaying on time is not warned
    others = [
        r
        for book in (data / "out" / PERIOD).glob("*_预警核实表_*.xlsx")
        for r in openpyxl.load_workbook(book, read_only=True)["预警核实表"].iter_rows(values_only=True)
        if any("IND-901" in str(c) for c in r) and r[head.index("户编号")] != late[0]
    ]
    assert others == []
