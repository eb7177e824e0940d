"""The facts contract (pipelines.facts.fact_columns) is what the producer builds and what the rulebook
checks rules against: every link.facts_<source> table has exactly the declared columns, in order, with
the declared types — for every source, the registry included."""

from __future__ import annotations

import pytest

from pipelines import warehouse
from pipelines.facts import build_facts, build_registry_facts, fact_columns
from pipelines.rulebook.facts import rule_sources
from pipelines.rulebook.loader import load_rulebook
from pipelines.rulebook.parameters import load_parameters
from pipelines.settings import REPO_ROOT
from schemas import department_sources


@pytest.fixture(scope="module")
def con():
    c = warehouse.connect(":memory:")
    warehouse.ensure_schema(c)
    c.execute("""CREATE TABLE core.persons (person_id VARCHAR, household_id VARCHAR, name VARCHAR,
        id_number VARCHAR, id_norm VARCHAR, id_status VARCHAR, name_fold VARCHAR, name_pinyin VARCHAR,
        sex VARCHAR, birth_date DATE, relation VARCHAR, township VARCHAR, village VARCHAR, "group" VARCHAR,
        segment VARCHAR)""")
    c.execute("""CREATE TABLE core.households (household_id VARCHAR, township VARCHAR, village VARCHAR,
        "group" VARCHAR, household_type VARCHAR, monitoring_type VARCHAR, risk_eliminated VARCHAR,
        segment VARCHAR, income_per_capita DOUBLE, grid VARCHAR, grid_worker VARCHAR, phone VARCHAR,
        helper VARCHAR, helper_phone VARCHAR, members UINTEGER,
        head_name VARCHAR, head_person_id VARCHAR)""")
    yield c
    c.close()


def _described(con, source: str) -> dict[str, str]:
    return dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE link.facts_{source})").fetchall())


@pytest.mark.parametrize("source", department_sources())
def test_a_department_facts_table_is_its_contract(con, source):
    build_facts(con, source, "2026-11")
    assert list(_described(con, source).items()) == list(fact_columns(source).items())


def test_the_registry_facts_table_is_its_contract(con):
    build_registry_facts(con, "2026-11")
    assert list(_described(con, "registry").items()) == list(fact_columns("registry").items())


def test_the_linkage_columns_rules_rely_on_are_declared_for_every_source():
    for source in rule_sources():
        columns = fact_columns(source)
        for name, sql_type in (("household_id", "VARCHAR"), ("event_date", "DATE"), ("segment", "VARCHAR"),
                               ("row_key", "VARCHAR"), ("age", "INTEGER")):  # fmt: skip
            assert columns.get(name) == sql_type, (source, name)
    assert {"match_status", "match_evidence"} <= set(fact_columns("medical_insurance"))


def test_the_shipped_rules_check_against_the_contract():
    rules_dir = REPO_ROOT / "rules"
    book = load_rulebook(rules_dir, load_parameters(rules_dir / "parameters.yaml"))
    assert all(rule.source in rule_sources() for rule in book.rules) and book.rules
