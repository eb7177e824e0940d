"""Matched facts: department rows linked to registry persons, ready for the rules — and their contract.

link.matches (pipelines.matching.link) holds one decision per raw row; link.facts_<source> is what rules read: the row's
typed fields, its event date, and — for auto-matched rows only — the person and household with the
attributes rules may test (age at period end, sex, relation, segment). Only the latest version of each
natural key counts (raw.<source>.version, see pipelines.ingest.loader): a cumulative resend adds no
rows, and a row a department corrected replaces its earlier version here while raw keeps both.

`fact_columns(source)` is the contract: the columns and DuckDB types of link.facts_<source>, in table
order. The tables below are built from it (a column it declares and this module cannot fill is an error
here, not a surprise in a rule), and the rulebook checks and tests rules against it.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.period import Period
from pipelines.warehouse import SQL_TYPES, quote_ident
from schemas import get_source
from schemas.base import raw_text_fields

LINK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_key", "VARCHAR"),
    ("event_date", "DATE"),
    ("person_id", "VARCHAR"),
    ("household_id", "VARCHAR"),
    ("age", "INTEGER"),
    ("sex", "VARCHAR"),
    ("relation", "VARCHAR"),
    ("segment", "VARCHAR"),
    ("match_score", "DOUBLE"),
    ("match_status", "VARCHAR"),
    ("match_evidence", "VARCHAR"),
)
"""What matching adds after a department source's own fields (a field of the same name is the source's)."""

REGISTRY_LINK_COLUMNS: tuple[str, ...] = ("row_key", "event_date", "age", "segment", "match_score")
"""What link.facts_registry adds after the registry's fields: a registered person is their own match."""


def fact_columns(source: str) -> dict[str, str]:
    """Column name → DuckDB type of link.facts_<source>, in table order: the source's fields (less those
    matching supplies), their category wordings (`<field>_raw`, pipelines.ingest.vocab), then the linkage."""
    src = get_source(source)
    link = dict(LINK_COLUMNS)
    if source == "registry":
        link = {name: link[name] for name in REGISTRY_LINK_COLUMNS}
    cols = {f.name: SQL_TYPES.get(f.type, "VARCHAR") for f in src.fields if f.name not in link}
    cols.update({name: "VARCHAR" for name in raw_text_fields(src) if name not in link})
    cols.update(link)
    return cols


def _select(columns: dict[str, str], exprs: dict[str, str], source: str) -> str:
    """The SELECT list that fills `columns` (each cast to its declared type) from `exprs`."""
    missing = [c for c in columns if c not in exprs]
    if missing:
        raise ValueError(f"link.facts_{source}: no way to fill declared column(s) {missing}")
    return ",\n               ".join(
        f"CAST({exprs[c]} AS {t}) AS {quote_ident(c)}" for c, t in columns.items()
    )


def build_facts(con: duckdb.DuckDBPyConnection, source_name: str, period: str) -> int:
    """(Re)create link.facts_<source> for the period; returns the number of distinct fact rows.

    Only rows delivered for the period or before count (and the latest version among those): re-running
    an old month after later ones were loaded screens what had arrived by then, as running in order did."""
    source = get_source(source_name)
    end: date = Period.parse(period).end
    # rows loaded before row versioning have no natural_key: each counts on its own
    partition = "coalesce(r.natural_key, r.row_key)"
    # the row's date: its date field, else a fallback (出院日期 for a claim without 结算日期), else the
    # last day of the period whose inbox delivered it (a list sent without dates is "as of" that month)
    dates = [f"r.{quote_ident(d)}" for d in (source.date_field, *source.date_fallbacks) if d]
    delivered = "last_day(strptime(b.period || '-01', '%Y-%m-%d'))::DATE"
    event = f"coalesce({', '.join([*dates, delivered])})"
    columns = fact_columns(source_name)
    exprs = {c: f"r.{quote_ident(c)}" for c in columns}
    exprs |= {
        "event_date": event,
        "person_id": "CASE WHEN m.match_status = 'matched' THEN m.person_id END",
        "household_id": "CASE WHEN m.match_status = 'matched' THEN m.household_id END",
        "age": f"date_sub('year', p.birth_date, DATE '{end.isoformat()}')",
        "sex": "p.sex",
        "relation": "p.relation",
        "segment": "h.segment",
        "match_score": "m.match_score",
        "match_status": "m.match_status",
        "match_evidence": "m.match_evidence",
    }
    con.execute(
        f"""
        CREATE OR REPLACE TABLE link.facts_{source_name} AS
        WITH distinct_rows AS (
            SELECT r.*, row_number() OVER (
                PARTITION BY {partition} ORDER BY r.version DESC NULLS LAST, r.batch_id, r.row_no
            ) AS copy_no
            FROM raw.{source_name} r LEFT JOIN meta.batches bp ON bp.batch_id = r.batch_id
            WHERE bp.period IS NULL OR bp.period <= '{Period.parse(period)}'
        )
        SELECT {_select(columns, exprs, source_name)}
        FROM distinct_rows r
        JOIN link.matches m ON m.source = '{source_name}' AND m.row_key = r.row_key
        LEFT JOIN meta.batches b ON b.batch_id = r.batch_id
        LEFT JOIN core.persons p ON p.person_id = m.person_id AND m.match_status = 'matched'
        LEFT JOIN core.households h ON h.household_id = p.household_id
        WHERE r.copy_no = 1
        ORDER BY r.row_key
        """
    )
    row = con.sql(f"SELECT count(*) FROM link.facts_{source_name}").fetchall()
    return int(row[0][0])


def build_registry_facts(con: duckdb.DuckDBPyConnection, period: str) -> int:
    """link.facts_registry: one row per registered person with the household's attributes, dated the
    period end, so rules can test registry facts (per-capita income) like any department's."""
    end: date = Period.parse(period).end
    person = ("household_id", "person_id", "name", "id_number", "sex", "birth_date", "relation", "township",
              "village", "group", "segment")  # fmt: skip
    household = ("household_type", "monitoring_type", "risk_eliminated", "income_per_capita", "grid",
                 "grid_worker", "phone", "helper", "helper_phone")  # fmt: skip
    exprs = {c: f"p.{quote_ident(c)}" for c in person} | {c: f"h.{quote_ident(c)}" for c in household}
    exprs |= {
        "household_size": "h.members",
        "sex_raw": "NULL",  # core keeps the code, not the wording
        "row_key": "'registry:' || p.person_id",
        "event_date": f"DATE '{end.isoformat()}'",
        "age": f"date_sub('year', p.birth_date, DATE '{end.isoformat()}')",
        "match_score": "1.0",
    }
    con.execute(
        f"""
        CREATE OR REPLACE TABLE link.facts_registry AS
        SELECT {_select(fact_columns("registry"), exprs, "registry")}
        FROM core.persons p JOIN core.households h ON h.household_id = p.household_id
        ORDER BY p.person_id
        """
    )
    return int(con.sql("SELECT count(*) FROM link.facts_registry").fetchall()[0][0])
