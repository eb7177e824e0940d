"""Stage markers: a stage whose inputs have not changed since it last completed is not redone.

A run that failed halfway is simply run again: ingest skips files already loaded (content hash),
and match and rules are skipped when their fingerprint — what they read, and the code and rules that
decide — equals the one stored when they last completed for the period. Their stored result is
returned instead, so the rerun ends in exactly the state of one clean run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from pipelines.warehouse import fetch_one, table_exists

PACKAGE = Path(__file__).resolve().parent


def _hash(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _code(*folders: str) -> str:
    """The source text of the modules that decide a stage: a code change redoes the stage."""
    files = sorted(p for f in folders for p in (PACKAGE / f).rglob("*.py")) if folders else []
    return _hash([(p.name, p.read_bytes().hex()) for p in files])


def _files(folder: Path) -> list[tuple[str, str]]:
    return [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in sorted(folder.glob("*.yaml"))]


def match_fingerprint(con: duckdb.DuckDBPyConnection, period: str) -> str:
    batches = con.sql(
        "SELECT batch_id FROM meta.batches WHERE status = 'loaded' ORDER BY batch_id"
    ).fetchall()
    decisions = (
        con.sql("SELECT fingerprint, person_id FROM link.review_decisions ORDER BY ALL").fetchall()
        if table_exists(con, "link.review_decisions")
        else []
    )
    modules = ("matching", "normalize", "registry.py", "facts.py")
    code = _hash([_code(m) if not m.endswith(".py") else (PACKAGE / m).read_bytes().hex() for m in modules])
    return _hash("match", period, batches, decisions, code)


def rules_fingerprint(con: duckdb.DuckDBPyConnection, period: str, rules_dir: Path, match_fp: str) -> str:
    verifications = (
        con.sql("SELECT count(*), max(imported_at) FROM warn.verifications").fetchall()
        if table_exists(con, "warn.verifications")
        else []
    )
    # The lifecycle compares with earlier periods' warnings: a rerun of one of them redoes this one.
    earlier = con.sql(
        "SELECT period, count(*), string_agg(warning_id || status, ',' ORDER BY warning_id) FROM warn.warnings"
        " WHERE period < ? GROUP BY period ORDER BY period",
        params=[period],
    ).fetchall()
    code = _hash(_code("rulebook"), _code("warnings"))
    return _hash("rules", period, match_fp, _files(rules_dir), verifications, earlier, code)


def completed(con: duckdb.DuckDBPyConnection, period: str, stage: str, fingerprint: str) -> dict | None:
    """The stored result when `stage` last completed for `period` with this fingerprint, else None.

    The facts tables are rebuilt by every match, for its period: a match marker only counts while
    no other period's match has run since."""
    row = fetch_one(
        con, "SELECT fingerprint, result FROM meta.stage_runs WHERE period = ? AND stage = ?", [period, stage]
    )
    if not row or row[0] != fingerprint:
        return None
    latest = fetch_one(
        con,
        "SELECT period FROM meta.stage_runs WHERE stage = 'match' ORDER BY finished_at DESC, period LIMIT 1",
    )
    if latest and latest[0] != period:
        return None
    return json.loads(row[1])


def mark(con: duckdb.DuckDBPyConnection, period: str, stage: str, fingerprint: str, result: dict) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta.stage_runs VALUES (?, ?, ?, ?, current_timestamp)",
        [period, stage, fingerprint, json.dumps(result, ensure_ascii=False, default=str)],
    )
