"""The review queue: rows the matcher would not decide alone, their candidates, and remembered decisions.

Tables (created here, idempotently):
- link.review — one row per row sent to review when a period was matched (source, period, row_key,
  fingerprint, what the row says, the matcher's evidence): each period keeps its own queue, so running
  months out of order or re-running an old one leaves every other month's queue as it was;
- link.review_candidates — its candidates, best first (per source, period and row);
- link.review_decisions — a reviewer's decision per fingerprint (folded name | ID text | address):
  the person, or null for "not in the registry". Applied on every later run before the tiers, so the
  same row next month (a new batch, a new row_key) is decided the same way.

The export workbook puts candidates side by side with a drop-down decision column; the import reads
it back and joins on the review row's own key (序号 → fingerprint), never on an ID number Excel may
have rounded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.matching.matcher import DECISION_COLUMNS

MAX_CANDIDATES = 3
NONE_CHOICE = "均不是（不在登记人口中）"
SKIP_CHOICE = "待定"


class ReviewImportError(Exception):
    """A returned review workbook cannot be read back."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


DDL = """
CREATE TABLE IF NOT EXISTS link.review (
    source VARCHAR, period VARCHAR, row_key VARCHAR, fingerprint VARCHAR, name VARCHAR,
    id_number VARCHAR, address VARCHAR, match_method VARCHAR, match_score DOUBLE,
    match_evidence VARCHAR, id_status VARCHAR
);
CREATE TABLE IF NOT EXISTS link.review_candidates (
    source VARCHAR, row_key VARCHAR, rank INTEGER, person_id VARCHAR, household_id VARCHAR,
    candidate_note VARCHAR
);
ALTER TABLE link.review_candidates ADD COLUMN IF NOT EXISTS period VARCHAR;
CREATE TABLE IF NOT EXISTS link.review_decisions (
    fingerprint VARCHAR PRIMARY KEY, person_id VARCHAR, note VARCHAR, decided_by VARCHAR,
    decided_at TIMESTAMP, from_file VARCHAR
)
"""


def ensure_review_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS link")
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)


def load_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Remembered decisions (DECISION_COLUMNS) for match_rows."""
    ensure_review_tables(con)
    return (
        con.sql("SELECT fingerprint, person_id, note FROM link.review_decisions").pl().cast(DECISION_COLUMNS)
    )


def store_review(
    con: duckdb.DuckDBPyConnection,
    source: str,
    period: str,
    rows: pl.DataFrame,
    decisions: pl.DataFrame,
    candidates: pl.DataFrame,
    fingerprints: pl.DataFrame,
) -> int:
    """Replace this source's review queue for `period` (call inside the caller's transaction); returns its
    size. A queue stored before queues were kept per period (no period on its candidates) is replaced too."""
    ensure_review_tables(con)
    queue = (
        decisions.filter(pl.col("match_status") == "ambiguous")
        .join(fingerprints, on="row_key", how="left")
        .join(rows.select("row_key", *(c for c in ("name", "id_number", "address") if c in rows.columns)),
              on="row_key", how="left")
    )  # fmt: skip
    for c in ("name", "id_number", "address"):
        if c not in queue.columns:
            queue = queue.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    queue = queue.select(
        pl.lit(source).alias("source"),
        pl.lit(period).alias("period"),
        "row_key",
        "fingerprint",
        pl.col("name").cast(pl.String),
        pl.col("id_number").cast(pl.String),
        pl.col("address").cast(pl.String),
        "match_method",
        "match_score",
        "match_evidence",
        "id_status",
    )
    cands = candidates.join(queue.select("row_key"), on="row_key", how="semi").select(
        pl.lit(source).alias("source"), "row_key", "rank", "person_id", "household_id", "candidate_note",
        pl.lit(period).alias("period"),
    )  # fmt: skip
    stale = [source, period]
    con.execute(
        "DELETE FROM link.review WHERE source = ? AND (period = ? OR row_key IN (SELECT row_key FROM"
        " link.review_candidates WHERE source = ? AND period IS NULL))",
        [source, period, source],
    )
    con.execute(
        "DELETE FROM link.review_candidates WHERE source = ? AND (period = ? OR period IS NULL)", stale
    )
    con.register("_review", queue)
    con.register("_review_candidates", cands)
    con.execute("INSERT INTO link.review SELECT * FROM _review")
    con.execute("INSERT INTO link.review_candidates BY NAME SELECT * FROM _review_candidates")
    con.unregister("_review")
    con.unregister("_review_candidates")
    return queue.height


# Workbook columns: (header, width). Candidate blocks repeat 候选n … for n = 1..MAX_CANDIDATES.
_ROW_HEADERS = [
    ("序号", 8),
    ("来源", 14),
    ("批次", 10),
    ("姓名", 10),
    ("身份证号", 21),
    ("地址", 30),
    ("系统比对说明", 50),
]
_CANDIDATE_FIELDS = [("人编号", 18), ("姓名", 10), ("身份证号", 21), ("乡镇村组", 26), ("相符情况", 40)]
_DECISION_HEADERS = [("核对结论", 22), ("核对说明", 24), ("核对人", 10)]
_KEY_HEADER = "比对指纹（请勿修改）"


def review_frame(con: duckdb.DuckDBPyConnection, period: str | None = None) -> pl.DataFrame:
    """The review queue of `period` (every period's when None) with up to MAX_CANDIDATES candidates per row
    side by side (one row each). A row decided since it was queued is left out: it waits for nobody."""
    ensure_review_tables(con)
    where = "AND r.period = ?" if period else ""
    params = [period] if period else None
    queue = con.sql(
        "SELECT r.* FROM link.review r WHERE r.fingerprint NOT IN (SELECT fingerprint FROM link.review_decisions)"
        f" {where} ORDER BY r.source, r.period DESC, r.row_key",
        params=params,
    ).pl()
    # The same row content queued twice (a repeated row) is decided once.
    queue = queue.unique("fingerprint", keep="first", maintain_order=True).with_row_index("seq", offset=1)
    cands = con.sql(
        """SELECT c.source, c.period, c.row_key, c.rank, c.person_id, p.name AS cand_name, p.id_number AS cand_id,
                  concat_ws('', p.township, p.village, p."group") AS cand_place, c.candidate_note
           FROM link.review_candidates c LEFT JOIN core.persons p USING (person_id)
           WHERE c.rank <= ?""",
        params=[MAX_CANDIDATES],
    ).pl()
    wide = queue
    for n in range(1, MAX_CANDIDATES + 1):
        part = cands.filter(pl.col("rank") == n).drop("rank")
        part = part.rename({c: f"{c}_{n}" for c in part.columns if c not in ("source", "period", "row_key")})
        wide = wide.join(part, on=["source", "period", "row_key"], how="left")
    return wide


def export_review(con: duckdb.DuckDBPyConnection, out: Path, period: str | None = None) -> int:
    """Write the review workbook (Chinese, candidates side by side, a drop-down decision); returns rows."""
    from pipelines.outputs import AtomicWorkbook

    frame = review_frame(con, period)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = AtomicWorkbook(out, {"strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    decide = wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1, "text_wrap": True})
    text = wb.add_format({"num_format": "@", "text_wrap": True, "valign": "top"})
    open_cell = wb.add_format({"num_format": "@", "locked": False, "bg_color": "#FFFBEA"})
    ws = wb.add_worksheet("待核对")
    headers = list(_ROW_HEADERS)
    for n in range(1, MAX_CANDIDATES + 1):
        headers += [(f"候选{n}{h}", w) for h, w in _CANDIDATE_FIELDS]
    decision_col = len(headers)
    headers += [*_DECISION_HEADERS, (_KEY_HEADER, 12)]
    for c, (h, w) in enumerate(headers):
        ws.write_string(0, c, h, decide if c >= decision_col and h != _KEY_HEADER else head)
        ws.set_column(c, c, w)
    choices = [f"候选{n}" for n in range(1, MAX_CANDIDATES + 1)] + [NONE_CHOICE, SKIP_CHOICE]
    for r, row in enumerate(frame.iter_rows(named=True), start=1):
        values: list[str | int] = [
            row["seq"],
            row["source"] or "",
            (row["row_key"] or "").split(":")[0][:8],
            row["name"] or "",
            row["id_number"] or "",
            row["address"] or "",
            row["match_evidence"] or "",
        ]
        for n in range(1, MAX_CANDIDATES + 1):
            values += [
                row.get(f"person_id_{n}") or "",
                row.get(f"cand_name_{n}") or "",
                row.get(f"cand_id_{n}") or "",
                row.get(f"cand_place_{n}") or "",
                row.get(f"candidate_note_{n}") or "",
            ]
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v, text)  # IDs stay text: Excel would round them as numbers
        for c in range(decision_col, decision_col + len(_DECISION_HEADERS)):
            ws.write_blank(r, c, None, open_cell)
        ws.write_string(r, decision_col + len(_DECISION_HEADERS), row["fingerprint"] or "", text)
    if frame.height:
        ws.data_validation(
            1, decision_col, frame.height, decision_col,
            {"validate": "list", "source": choices, "input_title": "核对结论",
             "input_message": "选择候选人，或“均不是”"},
        )  # fmt: skip
    ws.freeze_panes(1, 4)
    ws.autofilter(0, 0, max(frame.height, 1), len(headers) - 1)
    ws.set_column(len(headers) - 1, len(headers) - 1, 12, None, {"hidden": True})
    help_ws = wb.add_worksheet("说明")
    for i, line in enumerate(
        [
            "本表列出系统无法自动确认身份的记录（同名同姓、身份证号与姓名不符、号码错误等）。",
            "请在“核对结论”列选择：候选1/候选2/候选3（确认是该人）、“均不是”（不在登记人口中）或“待定”。",
            "导入：dixian review import 本文件。结论会被记住，以后同样内容的记录直接按结论处理。",
            "请勿修改最后一列（比对指纹），导入按它对应记录，不按身份证号。",
        ]
    ):
        help_ws.write_string(i, 0, line)
    help_ws.set_column(0, 0, 100)
    wb.close()
    return frame.height


def import_review(con: duckdb.DuckDBPyConnection, path: Path, decided_by: str = "") -> dict[str, int]:
    """Read a filled-in review workbook and remember its decisions; returns counts."""
    try:
        sheet = pl.read_excel(path, sheet_name="待核对", engine="calamine", infer_schema_length=0)
    except Exception as exc:  # calamine raises several types for a wrong or corrupt file
        raise ReviewImportError(path, f"not a review workbook with a sheet 待核对 ({exc})") from exc
    need = [_DECISION_HEADERS[0][0], _KEY_HEADER]
    missing = [c for c in need if c not in sheet.columns]
    if missing:
        raise ReviewImportError(path, f"missing columns {missing}; the sheet has {sheet.columns}")
    ensure_review_tables(con)
    cands = con.sql(
        """SELECT r.fingerprint, c.rank, c.person_id FROM link.review r
           JOIN link.review_candidates c USING (source, period, row_key)
           -- the same row queued in several months: its candidates as the latest month listed them
           QUALIFY row_number() OVER (PARTITION BY r.fingerprint, c.rank ORDER BY r.period DESC, r.source) = 1"""
    ).pl()
    note_col, by_col = _DECISION_HEADERS[1][0], _DECISION_HEADERS[2][0]
    taken = sheet.select(
        pl.col(_KEY_HEADER).alias("fingerprint"),
        pl.col(need[0]).str.strip_chars().alias("choice"),
        pl.col(note_col).alias("note") if note_col in sheet.columns else pl.lit(None, dtype=pl.String).alias("note"),
        pl.col(by_col).alias("by") if by_col in sheet.columns else pl.lit(None, dtype=pl.String).alias("by"),
    ).filter(pl.col("choice").is_not_null() & (pl.col("choice") != "") & (pl.col("choice") != SKIP_CHOICE))  # fmt: skip
    rank = pl.col("choice").str.extract(r"^候选(\d+)$", 1).cast(pl.Int32, strict=False)
    taken = taken.with_columns(rank.alias("rank"), (pl.col("choice") == NONE_CHOICE).alias("none"))
    picked = taken.filter(pl.col("rank").is_not_null()).join(cands, on=["fingerprint", "rank"], how="left")
    unknown = (
        picked.filter(pl.col("person_id").is_null()).height
        + taken.filter(pl.col("rank").is_null() & ~pl.col("none")).height
    )
    decided = pl.concat(
        [
            picked.filter(pl.col("person_id").is_not_null()).select("fingerprint", "person_id", "note", "by"),
            taken.filter(pl.col("none")).select(
                "fingerprint", pl.lit(None, dtype=pl.String).alias("person_id"), "note", "by"
            ),
        ]
    ).unique("fingerprint", keep="last")
    now = datetime.now()
    decided = decided.select(
        "fingerprint",
        "person_id",
        pl.col("note").cast(pl.String),
        pl.coalesce(pl.col("by").cast(pl.String), pl.lit(decided_by)).alias("decided_by"),
        pl.lit(now).alias("decided_at"),
        pl.lit(str(path)).alias("from_file"),
    )
    con.register("_decided", decided)
    con.execute("DELETE FROM link.review_decisions WHERE fingerprint IN (SELECT fingerprint FROM _decided)")
    con.execute("INSERT INTO link.review_decisions SELECT * FROM _decided")
    con.unregister("_decided")
    return {
        "rows": sheet.height,
        "decided": decided.height,
        "linked": decided.filter(pl.col("person_id").is_not_null()).height,
        "not_in_registry": decided.filter(pl.col("person_id").is_null()).height,
        "unreadable": unknown,
        "pending": sheet.height - taken.height,
    }
