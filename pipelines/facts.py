"""Matched facts: department rows linked to registry persons, ready for the rules.

link.matches (pipelines.matching.link) holds one decision per raw row; link.facts_<source> is what rules read: the row's
typed fields, its event date, and — for auto-matched rows only — the person and household with the
attributes rules may test (age at period end, sex, relation, segment). Only the latest version of each
natural key counts (raw.<source>.version, see pipelines.ingest.loader): a cumulative resend adds no
rows, and a row a department corrected replaces its earlier version here while raw keeps both.
"""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.period import Period
from pipelines.warehouse import quote_ident
from schemas import get_source
from schemas.base import raw_text_fields


def build_facts(con: duckdb.DuckDBPyConnection, source_name: str, period: str) -> int:
    """(Re)create link.facts_<source> for the period; returns the number of distinct fact rows.

    Only rows delivered for the period or before count (and the latest version among those): re-running
    an old month after later ones were loaded screens what had arrived by then, as running in order did."""
    source = get_source(source_name)
    fields = source.field_names
    end: date = Period.parse(period).end
    # rows loaded before row versioning have no natural_key: each counts on its own
    partition = "coalesce(r.natural_key, r.row_key)"
    raw_texts = raw_text_fields(source)
    select_fields = ", ".join(f"r.{quote_ident(f)}" for f in [*fields, *raw_texts] if f != "event_date")
    # the row's date: its date field, else a fallback (出院日期 for a claim without 结算日期), else the
    # last day of the period whose inbox delivered it (a list sent without dates is "as of" that month)
    dates = [f"r.{quote_ident(d)}" for d in (source.date_field, *source.date_fallbacks) if d]
    delivered = "last_day(strptime(b.period || '-01', '%Y-%m-%d'))::DATE"
    event = f"coalesce({', '.join([*dates, delivered])})"
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
        SELECT {select_fields}, r.row_key, {event} AS event_date,
               CASE WHEN m.match_status = 'matched' THEN m.person_id END AS person_id,
               CASE WHEN m.match_status = 'matched' THEN m.household_id END AS household_id,
               CAST(date_sub('year', p.birth_date, DATE '{end.isoformat()}') AS INTEGER) AS age,
               p.sex, p.relation, h.segment, m.match_score, m.match_status, m.match_evidence
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
    con.execute(
        f"""
        CREATE OR REPLACE TABLE link.facts_registry AS
        SELECT p.household_id, p.person_id, p.name, p.id_number, p.sex, p.birth_date, p.relation,
               p.township, p.village, p."group", h.household_type, h.monitoring_type, h.risk_eliminated,
               CAST(h.members AS DOUBLE) AS household_size, h.income_per_capita, h.grid, h.grid_worker,
               NULL::VARCHAR AS phone,
               'registry:' || p.person_id AS row_key, DATE '{end.isoformat()}' AS event_date,
               CAST(date_sub('year', p.birth_date, DATE '{end.isoformat()}') AS INTEGER) AS age,
               p.segment, 1.0::DOUBLE AS match_score
        FROM core.persons p JOIN core.households h ON h.household_id = p.household_id
        ORDER BY p.person_id
        """
    )
    return int(con.sql("SELECT count(*) FROM link.facts_registry").fetchall()[0][0])
