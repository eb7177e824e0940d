"""Reading by meaning, case by case: category words onto codes, units in headers, the programme and
change a department writes in one column, unknown values that load and are reported, the county's
own lexicon, and the department told from every cue (folder, file name, title, headers)."""

from __future__ import annotations

from pathlib import Path

import pytest

import schemas
from pipelines.ingest.detect import detect_source
from pipelines.ingest.errors import AmbiguousSourceError
from pipelines.ingest.inbox import ingest_all
from pipelines.ingest.lexicon import LexiconError, load_lexicon
from pipelines.ingest.loader import load_file
from pipelines.ingest.meaning import category_table, header_score, map_category, split_unit, unit_scale
from pipelines.ingest.readers import read_any
from pipelines.settings import Settings
from pipelines.warehouse import connect
from schemas import all_sources, get_source
from tests.ingest.cases.make_cases import ID_A, ID_B

LEX = load_lexicon()


def table(qualified: str):
    source, _, field = qualified.partition(".")
    return LEX.table(source, field)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("disability.grade", "一级（极重度）", "1"),
        ("disability.grade", "2级", "2"),
        ("disability.grade", "四级", "4"),
        ("housing.grade", "C级危房", "C"),
        ("housing.grade", "d级", "D"),
        ("public_security.outcome", "未受伤", "未受伤"),  # contains 受伤: the longer synonym wins
        ("public_security.outcome", "重伤（住院）", "重伤"),
        ("public_security.outcome", "受伤致残", "致残"),  # ordered by severity: the worst outcome named
        ("public_security.outcome", "无人员受伤", "未受伤"),  # a denied injury is no injury (_negated)
        ("public_security.outcome", "严重受伤", "重伤"),
        ("civil_affairs.programme", "城乡低保", "低保"),
        ("civil_affairs.programme", "特困人员供养", "特困"),
        ("civil_affairs.change", "停保", "退出"),
        ("civil_affairs.change", "新纳入", "新增"),
        ("education.status", "辍学", "辍学"),
        ("hrss.event", "登记失业", "失业登记"),
        ("agriculture.operating_status", "经营失败", "失败"),
        ("health.disease_category", "大病专项救治", "大病"),
    ],
)
def test_category_words_map_to_codes(field, value, code):
    assert map_category(value, table(field)) == code, (field, value)


def test_unknown_and_tied_category_words_are_none():
    assert map_category("某某补贴", table("civil_affairs.programme")) is None
    # a denied word without a declared negated code is unknown, never the word's own code
    assert map_category("未失业", table("hrss.event")) is None
    assert map_category("非低保户", table("civil_affairs.programme")) is None
    # two codes tie at the longest synonym: not guessed
    assert map_category("低保特困", table("civil_affairs.programme")) is None


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("直接经济损失（万元）", 10_000.0),
        ("损失金额(元)", 1.0),
        ("投入资金【千元】", 1_000.0),
        ("面积（亩）", 1.0),
    ],
)
def test_a_unit_in_the_header_scales_to_yuan(header, scale):
    assert unit_scale(header) == scale


def test_units_are_taken_off_before_comparing():
    assert split_unit("个人自付(万元)") == ("个人自付", "万元")


def test_contained_words_score_below_exact_ones():
    from pipelines.ingest.header import source_words
    from schemas import get_source

    words = source_words(get_source("medical_insurance"), LEX)["out_of_pocket"]
    exact, contained = header_score("个人自付", words), header_score("本学年个人自付金额", words)
    assert exact == 1.0 and 0.5 < contained < 1.0
    # a clerk's name column is not the patient's
    name = source_words(get_source("medical_insurance"), LEX)["name"]
    assert header_score("经办人姓名", name) < header_score("参保人姓名", name)


def test_wan_yuan_column_is_scaled_and_categories_keep_their_raw_text(tmp_path):
    path = tmp_path / "民政" / "救助.csv"
    path.parent.mkdir()
    path.write_text(
        "救助对象姓名,公民身份号码,救助类别,变动类型,审批日期,救助金额（万元）\n"
        f"张三,{ID_A},城乡低保,新纳入,2026/10/5,0.26\n"
        f"李四,{ID_B},低保退出,,2026年10月8日,0\n"
        f"王五,{ID_A},某某补贴,新增,20261009,0.01\n",
        encoding="utf-8",
    )
    with connect(":memory:") as con:
        account = load_file(con, path, None, "2026-10")
        assert (account.status, account.source, account.rows_loaded) == ("loaded", "civil_affairs", 3)
        rows = con.sql(
            "SELECT name, programme, programme_raw, change, amount, event_date::VARCHAR"
            " FROM raw.civil_affairs ORDER BY row_no"
        ).fetchall()
    assert rows[0] == ("张三", "低保", "城乡低保", "新增", pytest.approx(2600.0), "2026-10-05")
    # the change written inside the programme (低保退出) is read into its own field
    assert rows[1][1:4] == ("低保", "低保退出", "退出")
    # a word the vocabulary does not know loads with its raw text, no code, and is reported
    assert rows[2][1:3] == (None, "某某补贴")
    assert account.unknown_values == {"programme": {"某某补贴": 1}}
    assert account.column_map["amount"]["scale"] == 10_000.0


def test_county_lexicon_extends_the_vocabulary(tmp_path):
    county = tmp_path / "county"
    county.mkdir()
    (county / "lexicon.yaml").write_text(
        "vocab:\n  civil_affairs.programme:\n    其他: [某某补贴]\n", "utf-8"
    )
    lexicon = load_lexicon(county)
    assert map_category("某某补贴", category_table(lexicon.vocab[("civil_affairs", "programme")])) == "其他"
    (county / "lexicon.yaml").write_text("vocab:\n  civil_affairs.nope:\n    x: [y]\n", "utf-8")
    with pytest.raises(LexiconError, match=r"civil_affairs\.nope"):
        load_lexicon(county)


HR = "姓名,身份证号码,登记类别,登记日期,工作单位,失业原因\n张三,{id},失业登记,2026-10-05,某厂,合同期满\n"


@pytest.mark.parametrize(
    ("folder", "name", "text", "expected"),
    [
        ("石台县人力资源和社会保障局", "名单.csv", HR, "hrss"),
        ("人社", "10月.csv", HR, "hrss"),
        # an HR file in the education folder: its headers clearly belong to hrss
        ("education", "名单.csv", HR, "hrss"),
        # a file dropped in the inbox root whose title names the department
        (
            "2026-10",
            "报送表.csv",
            "石台县医疗保障局2026年10月结算明细\n" + "姓名,身份证号,结算日期,个人自付\n",
            "medical_insurance",
        ),
        (
            "县残联",
            "台账.csv",
            "残疾人,身份证号,残疾级别,发证时间\n张三,{id},一级,2026-10-05\n",
            "disability",
        ),
    ],
)
def test_department_from_every_cue(tmp_path, folder, name, text, expected):
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True)
    path.write_text(text.format(id=ID_A), encoding="utf-8")
    found = detect_source(read_any(path), path, name, LEX)
    assert found.source == expected, found.reason


def test_ambiguous_file_names_the_candidates_and_the_way_out(tmp_path):
    path = tmp_path / "2026-10" / "x.csv"
    path.parent.mkdir()
    path.write_text("姓名,身份证号,登记日期,工作单位\n", encoding="utf-8")
    with pytest.raises(AmbiguousSourceError) as exc:
        detect_source(read_any(path), path, "x.csv", LEX)
    text = str(exc.value)
    assert all(c in text for c in exc.value.candidates) and "--source" in text and "数据来源不明确" in text
    # two departments fit equally: each named, with the option that picks it and, in Chinese, its name
    assert len(set(exc.value.candidates)) == 2, exc.value.candidates
    chinese = text.split("数据来源不明确：", 1)[1]
    for candidate in exc.value.candidates:
        assert f"--source {candidate}" in text
        assert get_source(candidate).department in chinese


def test_monthly_inbox_with_chinese_folders_and_a_loose_file(tmp_path):
    settings = Settings.load(data_dir=tmp_path)
    month = settings.inbox_dir("2026-10")
    (month / "县人社局").mkdir(parents=True)
    (month / "县人社局" / "a.csv").write_text(HR.format(id=ID_A), encoding="utf-8")
    (month / "石台县住房和城乡建设局-鉴定结果.csv").write_text(
        f"户主,身份证号,鉴定等级,鉴定日期\n张三,{ID_A},D级危房,2026-10-05\n", encoding="utf-8"
    )
    with connect(":memory:") as con:
        accounts = ingest_all(con, settings, "2026-10")
        assert sorted((a.source, a.status) for a in accounts) == [("housing", "loaded"), ("hrss", "loaded")]
        assert con.sql("SELECT grade, grade_raw FROM raw.housing").fetchall() == [("D", "D级危房")]
    assert all(a.balanced for a in accounts)


def test_lexicon_ships_with_the_package():
    assert Path(LEX.files[0]).name == "lexicon.yaml" and LEX.departments["medical_insurance"]
    # the package's own file, alone, and it knows every source by its department's name
    assert [Path(f) for f in LEX.files] == [Path(schemas.__file__).parent / "lexicon.yaml"]
    assert set(LEX.departments) == set(all_sources())
    for source in all_sources():
        assert get_source(source).department in LEX.departments[source], source
    assert {"医保", "医疗保障局"} <= set(LEX.departments["medical_insurance"])


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("public_security.outcome", "死亡1人，无人受伤", "死亡"),  # severity order beats length
        ("public_security.outcome", "不慎摔倒受伤", "轻伤"),  # 不慎 is not a negation
        ("public_security.outcome", "未成年人死亡", "死亡"),  # 未 three characters away denies nothing
        ("civil_affairs.programme", "低保边缘家庭", "其他"),  # not 低保
        ("civil_affairs.change", "死亡停发", "死亡"),
        ("civil_affairs.change", "不予纳入", None),
        ("education.status", "疑似辍学（已核实在读）", "在读"),
        ("education.status", "辍学已劝返", "在读"),
        ("agriculture.operating_status", "略有亏损", "亏损"),  # a loss is not a failed project
        ("hrss.event", "失业保险金申领", "其他"),
    ],
)
def test_words_that_look_like_a_risk_but_are_not(field, value, code):
    assert map_category(value, table(field)) == code, (field, value)


def test_equivalent_words_are_rewritten_once():
    from pipelines.ingest.meaning import canonical, equivalents

    eq = equivalents(LEX.equivalents)
    assert canonical("证件号码", eq) == "证件号码" and canonical("医疗类型", eq) == "医疗类别"
    assert canonical("病种类别", eq) == "病种类别"


def test_rows_differing_only_in_unknown_words_are_kept_apart(tmp_path):
    path = tmp_path / "民政" / "a.csv"
    path.parent.mkdir()
    path.write_text(
        "姓名,身份证号码,救助类别,审批日期\n"
        + "".join(f"张三,{ID_A},{w},2026-10-05\n" for w in ("甲补贴", "乙补贴", "甲补贴")),
        encoding="utf-8",
    )
    with connect(":memory:") as con:
        a = load_file(con, path, None, "2026-10")
    assert (a.rows_read, a.rows_loaded, a.rows_ignored) == (3, 2, 1)  # the third repeats the first
    assert a.unknown_values == {"programme": {"甲补贴": 2, "乙补贴": 1}}


def test_an_exact_header_over_unknown_values_still_loads(tmp_path):
    path = tmp_path / "民政" / "a.csv"
    path.parent.mkdir()
    path.write_text(
        f"姓名,身份证号码,救助类别,审批日期\n张三,{ID_A},某甲,2026-10-05\n李四,{ID_B},某乙,2026-10-06\n",
        "utf-8",
    )
    with connect(":memory:") as con:
        a = load_file(con, path, None, "2026-10")
    assert (a.status, a.rows_loaded) == ("loaded", 2)


def test_a_serial_number_column_is_never_a_category(tmp_path):
    from pipelines.ingest.header import find_header
    from schemas import get_source

    path = tmp_path / "a.csv"
    path.write_text(
        f"序号,姓名,身份证号,残疾程度,发证日期\n1,张三,{ID_A},四级,2026-10-01\n2,李四,{ID_B},三级,2026-10-02\n",
        "utf-8",
    )
    header = find_header(read_any(path)[0].grid, get_source("disability"), "a.csv", LEX)
    assert header.columns.get("c0") is None and header.columns.get("c3") == "grade"


def test_a_share_is_not_money_and_a_cell_in_wan_is_not_scaled_twice(tmp_path):
    path = tmp_path / "医保" / "a.csv"
    path.parent.mkdir()
    path.write_text(
        f"姓名,身份证号,结算日期,自付比例(%),个人自付部分（万元）\n张三,{ID_A},2026-10-05,30,1.2万\n李四,{ID_B},2026-10-06,40,0.5\n",
        encoding="utf-8",
    )
    with connect(":memory:") as con:
        a = load_file(con, path, None, "2026-10")
        got = con.sql("SELECT out_of_pocket FROM raw.medical_insurance ORDER BY row_no").fetchall()
    assert a.column_map["out_of_pocket"]["header"] == "个人自付部分（万元）"
    assert got == [(12000.0,), (5000.0,)]


def test_the_programme_text_gives_the_change_even_with_stray_spaces(tmp_path):
    path = tmp_path / "民政" / "a.csv"
    path.parent.mkdir()
    path.write_text(f"姓名,身份证号码,救助类别,审批日期\n张三,{ID_A}, 低保退出 ,2026-10-05\n", "utf-8")
    with connect(":memory:") as con:
        load_file(con, path, None, "2026-10")
        assert con.sql("SELECT programme, change FROM raw.civil_affairs").fetchall() == [("低保", "退出")]


def test_a_contained_header_over_mostly_unknown_words_is_not_refused(tmp_path):
    path = tmp_path / "民政" / "a.csv"
    path.parent.mkdir()
    rows = "".join(
        f"{n},{i},{w},2026-10-0{k}\n"
        for k, (n, i, w) in enumerate(
            [("张三", ID_A, "某甲"), ("李四", ID_B, "某乙"), ("王五", ID_A, "城乡低保")], 1
        )
    )
    path.write_text("姓名,身份证号码,救助项目名称,审批日期\n" + rows, encoding="utf-8")
    with connect(":memory:") as con:
        a = load_file(con, path, None, "2026-10")
    assert (a.status, a.rows_loaded) == ("loaded", 3), a.message
    assert a.unknown_values == {"programme": {"某乙": 1, "某甲": 1}}
