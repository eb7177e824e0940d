"""Randomly corrupted rows are never lost: every row read is loaded, unchanged, changed, quarantined or
ignored, and every quarantined or ignored row can be found again by file and row number."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.inbox import ingest_paths
from pipelines.warehouse import connect

HEADER = ["结算单号", "参保人姓名", "公民身份号码", "结算日期", "总费用", "个人负担"]
GOOD = ["C{i}", "张三", "341722199001011235", "2026-11-03", "1,000", "300"]
CORRUPTIONS = [
    lambda v: "",
    lambda v: "不详",
    lambda v: "合计",
    lambda v: v + ",",
    lambda v: v + "\n续",
    lambda v: '"' + v,
    lambda v: "注：" + v,
    lambda v: "＝SUM(A1)",
    lambda v: "3.41722199E+17",
    lambda v: v,
]


def quote(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n') else v


rows = st.lists(
    st.tuples(
        st.integers(0, 30),  # claim number: small range so keys repeat
        st.lists(st.tuples(st.integers(0, 5), st.sampled_from(range(len(CORRUPTIONS)))), max_size=3),
    ),
    min_size=1,
    max_size=25,
)


@given(rows=rows, encoding=st.sampled_from(["utf-8", "gbk"]), title=st.booleans())
def test_no_row_is_lost(rows, encoding, title):
    lines = (["石台县医保局结算明细"] if title else []) + [",".join(HEADER)]
    for claim, damage in rows:
        cells = [c.format(i=claim) for c in GOOD]
        for col, k in damage:
            cells[col] = CORRUPTIONS[k](cells[col])
        lines.append(",".join(quote(c) for c in cells))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding, errors="replace"))
        with connect(":memory:") as con:
            [a] = ingest_paths(con, [path], "medical_insurance", period="2026-11")
            assert a.status == "loaded", a.message
            assert a.balanced, a
            assert a.rows_read == len(rows)
            stored = con.sql("SELECT count(*) FROM raw.medical_insurance").fetchall()[0][0]
            assert stored == a.rows_loaded + a.rows_changed
            q = con.sql("SELECT DISTINCT file, row_no FROM quarantine.rows").fetchall()
            ig = con.sql("SELECT DISTINCT file, row_no FROM meta.ignored").fetchall()
            loaded = con.sql("SELECT DISTINCT file, row_no FROM raw.medical_insurance").fetchall()
            assert len(q) == a.rows_quarantined and len(ig) == a.rows_ignored
            assert all(f == str(path) for f, _ in q + ig + loaded)
            # every row is in exactly one place, found by its physical line number
            places = [r for _, r in q] + [r for _, r in ig] + [r for _, r in loaded]
            assert len(places) == len(set(places))
            text_lines = path.read_bytes().decode(encoding).replace("\r\n", "\n").split("\n")
            for r in places:
                assert 1 <= r <= len(text_lines) and text_lines[r - 1] != ""
