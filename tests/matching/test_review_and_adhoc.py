"""End to end on small files: the ad hoc command, and review export → decide → import → next run."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest
import typer
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.matching.commands import register
from pipelines.matching.link import match_source
from pipelines.matching.review import export_review, review_frame

from .cases import CM, LF, REGISTRY, persons, typo

APPENDED = [
    "person_id",
    "household_id",
    "matched_name",
    "township",
    "village",
    "household_type",
    "monitoring_type",
    "match_status",
    "match_method",
    "match_score",
    "match_evidence",
    "candidates",
    "candidate_ids",
]
APPENDED_ZH = [
    "人编号",
    "户编号",
    "匹配姓名",
    "乡(镇)",
    "行政村",
    "户类型",
    "监测对象类别",
    "匹配结果",
    "匹配方式",
    "匹配可信度",
    "匹配依据",
    "候选人",
    "候选人编号",
]


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """dixian (test)"""

    register(app)
    return app


@pytest.fixture
def registry_csv(tmp_path):
    path = tmp_path / "registry.csv"
    pl.DataFrame(
        REGISTRY,
        schema=["人编号", "户编号", "姓名", "证件号码", "乡(镇)", "行政村", "村民小组"],
        orient="row",
    ).write_csv(path)
    return path


@pytest.fixture
def input_csv(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text(
        "序号,township,人员姓名,备注,身份证号码,家庭住址\n"
        f"1,x,陈明,a,{CM},\n"
        f"2,y,李芳,b,{typo(LF, 14)},\n"
        "3,z,张伟,c,,石台县仁里镇\n"
        "4,w,无名,d,,\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_adhoc_match_keeps_columns_in_order_and_suffixes_clashes(
    app, tmp_path, registry_csv, input_csv, suffix
):
    out = tmp_path / f"out{suffix}"
    res = CliRunner().invoke(
        app, ["match", str(input_csv), "--registry", str(registry_csv), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    frame = {
        ".csv": lambda: pl.read_csv(out, infer_schema=False),
        ".xlsx": lambda: pl.read_excel(out, engine="calamine", infer_schema_length=0),
        ".parquet": lambda: pl.read_parquet(out),
    }[suffix]()
    original = ["序号", "township", "人员姓名", "备注", "身份证号码", "家庭住址"]
    assert frame.get_column("township").to_list() == ["x", "y", "z", "w"], (
        "input column kept under its own name"
    )
    assert frame.get_column("身份证号码").to_list()[0] == CM, "IDs stay text, never rounded"
    if suffix == ".parquet":  # for scripts: the codes, under the DESIGN §3 names
        assert frame.columns == original + [c + "_match" if c == "township" else c for c in APPENDED]
        col = dict(zip(APPENDED, [c + "_match" if c == "township" else c for c in APPENDED], strict=True))
        assert frame.get_column("match_status").to_list() == ["matched", "matched", "ambiguous", "unmatched"]
        assert frame.get_column("match_method").to_list()[:2] == ["id_exact", "id_repair"]
    else:  # for people: Chinese headers and words, 户类型 / 监测对象类别 appended
        assert frame.columns == original + APPENDED_ZH, suffix
        col = dict(zip(APPENDED, APPENDED_ZH, strict=True))
        assert frame.get_column("匹配结果").to_list() == ["已匹配", "已匹配", "待人工核对", "未匹配"]
        assert frame.get_column("匹配方式").to_list()[:2] == ["身份证号一致", "身份证号有误，纠正后一致"]
        assert not any(v and v.isascii() and v.isalpha() for v in frame.get_column("匹配结果").to_list())
    assert frame.get_column(col["person_id"]).to_list()[:2] == ["P6", "P3"]
    assert frame.get_column(col["township"]).to_list()[:2] == ["仁里镇", "七都镇"]
    assert "第14位" in frame.get_column(col["match_evidence"]).to_list()[1]
    # the row sent to review lists who it may be: 人编号, 姓名, place, why — best first
    assert frame.get_column(col["candidate_ids"]).to_list()[2] == "P1;P2"
    listed = frame.get_column(col["candidates"]).to_list()[2]
    assert listed.startswith("1. P1 张伟 仁里镇桃源村第三村民小组：") and "2. P2 张伟" in listed, listed
    assert frame.get_column(col["candidates"]).to_list()[0] in (None, ""), "a linked row lists no candidates"


def test_adhoc_xlsx_is_formula_safe(app, tmp_path, registry_csv):
    src = tmp_path / "in.csv"
    src.write_text(f'姓名,身份证号,备注\n陈明,{CM},=HYPERLINK("http://x")\n', encoding="utf-8")
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(app, ["match", str(src), "--registry", str(registry_csv), "--out", str(out)])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells), "no formula cells"
    assert ws.cell(2, 2).value == CM and ws.cell(2, 2).data_type == "s"


def test_adhoc_named_columns_and_clear_error(app, tmp_path, registry_csv):
    src = tmp_path / "in.csv"
    src.write_text(f"甲,乙\n陈明,{CM}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["match", str(src), "--registry", str(registry_csv), "--out", str(out)])
    assert res.exit_code == 2 and "neither an ID number column nor a name column" in res.output, res.output
    res = CliRunner().invoke(
        app,
        [
            "match",
            str(src),
            "--registry",
            str(registry_csv),
            "--out",
            str(out),
            "--id-col",
            "乙",
            "--name-col",
            "甲",
        ],
    )
    assert res.exit_code == 0, res.output
    assert pl.read_csv(out, infer_schema=False).get_column("人编号").to_list() == ["P6"]


def _raw_health(con, batch: str, rows: list[tuple[str, str | None, str | None]]) -> None:
    con.execute("DELETE FROM raw.health")
    for i, (name, id_number, address) in enumerate(rows, start=2):
        con.execute(
            "INSERT INTO raw.health (batch_id, row_key, file, sheet, row_no, id_damaged, name, id_number, address)"
            " VALUES (?, ?, 'f.csv', '', ?, false, ?, ?, ?)",
            [batch, f"{batch}::{i}", i, name, id_number, address],
        )


def test_review_export_decide_import_next_run(tmp_path, monkeypatch, app):
    db = tmp_path / "warehouse.duckdb"
    with warehouse.connect(db) as con:
        con.register("_p", persons())
        con.execute("CREATE OR REPLACE TABLE core.persons AS SELECT * FROM _p")
        _raw_health(con, "b1", [("张伟", None, "石台县仁里镇"), ("陈明", CM, None)])
        stats = match_source(con, "health", "2026-10")
        assert stats["ambiguous"] == 1 and stats["matched"] == 1, stats
        out = tmp_path / "review.xlsx"
        assert export_review(con, out, "2026-10") == 1

    wb = openpyxl.load_workbook(out)
    ws = wb["待核对"]
    headers = [c.value for c in ws[1]]
    assert (
        headers[:4] == ["序号", "来源", "批次", "姓名"] and "候选2姓名" in headers and "核对结论" in headers
    )
    assert ws.data_validations.dataValidation, "decision column has a drop-down"
    col = headers.index("核对结论") + 1
    # the drop-down is on the decision cell of the one row, and offers what the import understands
    (dropdown,) = ws.data_validations.dataValidation
    assert (dropdown.type, str(dropdown.sqref)) == ("list", f"{get_column_letter(col)}2")
    assert dropdown.formula1.strip('"').split(",") == [
        "候选1",
        "候选2",
        "候选3",
        "均不是（不在登记人口中）",
        "待定",
    ]
    pick = next(n for n in (1, 2) if ws.cell(2, headers.index(f"候选{n}人编号") + 1).value == "P2")
    ws.cell(2, col).value = f"候选{pick}"
    wb.save(out)

    monkeypatch.setenv("DIXIAN_WAREHOUSE", str(db))
    monkeypatch.setenv("DIXIAN_DATA", str(tmp_path))
    res = CliRunner().invoke(app, ["review", "import", str(out)])
    assert res.exit_code == 0, res.output

    with warehouse.connect(db) as con:
        # Next month: a new batch (new row keys), the same row content → the decision applies.
        _raw_health(con, "b2", [("张伟", None, "石台县仁里镇")])
        match_source(con, "health", "2026-11")
        got = con.sql(
            "SELECT person_id, match_status, match_method FROM link.matches WHERE source='health'"
        ).fetchall()
        assert got == [("P2", "matched", "review_decision")]
        queued = "SELECT count(*) FROM link.review WHERE source = 'health' AND period = ?"
        assert warehouse.fetch_one(con, queued, ["2026-11"])[0] == 0
        # October's queue is October's own, but the row decided since waits for nobody
        assert warehouse.fetch_one(con, queued, ["2026-10"])[0] == 1
        assert review_frame(con, "2026-10").height == 0 and review_frame(con).height == 0


def test_adhoc_registry_file_with_text_dates_and_other_headers(app, tmp_path):
    """--registry FILE goes through the ingest's typed reader: text birth dates, 家庭成员姓名 / 身份证号码
    wordings and a title row (the crash "casting from string to date" was this path)."""
    reg = tmp_path / "农户信息.csv"
    rows = "\n".join(
        f"{pid},{hid},{name},{idn},男,1980/5/6,户主,仁里镇,仁里村,1组" for pid, hid, name, idn, *_ in REGISTRY
    )
    reg.write_text(
        "防返贫监测对象及农户信息（导出）\n人员编号,户编号,家庭成员姓名,身份证号码,性别,出生日期,与户主关系,乡(镇),行政村,村民小组\n"
        + rows
        + "\n",
        encoding="utf-8",
    )
    src = tmp_path / "名单.csv"
    src.write_text(f"患者姓名,公民身份号码\n陈明,{CM}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["match", str(src), "--registry", str(reg), "--out", str(out)])
    assert res.exit_code == 0, res.output
    result = pl.read_csv(out, infer_schema=False)
    assert result.get_column("匹配结果").to_list() == ["已匹配"]
    bad = tmp_path / "bad.csv"
    bad.write_text("品名,数量\n化肥,1\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["match", str(src), "--registry", str(bad), "--out", str(out)])
    assert res.exit_code == 2 and "登记名册无法读取" in res.output


def test_adhoc_list_is_read_by_the_ingest_header_reader(tmp_path):
    """A title row that mentions 身份证号码 is not the header; role wordings are read by meaning."""
    from pipelines.matching.adhoc import read_input

    src = tmp_path / "名单.csv"
    src.write_text(
        f"石台县10月低保名单（含身份证号码）\n序号,救助对象,公民身份号码,家庭住址\n1,陈明,{CM},仁里镇\n",
        encoding="utf-8",
    )
    data = read_input(src)
    assert data.roles == {"name": "救助对象", "id_number": "公民身份号码", "address": "家庭住址"}
    assert data.frame.columns == ["序号", "救助对象", "公民身份号码", "家庭住址"] and data.frame.height == 1
