"""Every notebook runs headless, as a script, on a small synthetic county; a failing cell fails the test.
Run through marimo's App.run, each notebook's tables and charts are then read back and compared with
what they show: the warehouse's warnings, the matching stage's own counts, the ground truth."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import stages
from pipelines.settings import Settings
from pipelines.synth import generate_county

REPO = Path(__file__).resolve().parents[2]
# the marimo apps: notebooks/export_offline.py is the exporter, not a notebook
NOTEBOOKS = sorted(
    p
    for p in (REPO / "notebooks").glob("*.py")
    if re.search(r"^app = marimo\.App\(", p.read_text(encoding="utf-8"), re.MULTILINE)
)
PERIOD = "2026-11"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county_run(tmp_path_factory):
    """The data folder, the matching stage's own counts per department, and the rules stage's result
    (the warnings and households `dixian run` prints)."""
    data = tmp_path_factory.mktemp("nb-county")
    generate_county(data, households=200, seed=11, period=PERIOD)
    settings = Settings.load(data_dir=data, rules_dir=REPO / "rules")
    accounts = stages.stage_ingest(settings, PERIOD)
    matched = stages.stage_match(settings, PERIOD)
    rules = stages.stage_rules(settings, PERIOD)
    stages.stage_export(settings, PERIOD, accounts, matched["match_stats"])
    stages.stage_publish(settings)
    return data, matched["match_stats"], rules


@pytest.fixture(scope="module")
def county(county_run):
    return county_run[0]


def _env(county: Path) -> dict[str, str]:
    return {**os.environ, "DIXIAN_DATA": str(county), "DIXIAN_RULES": str(REPO / "rules")}


# Runs a notebook with marimo's App.run and prints, as JSON, what each cell showed (its last
# expression) and the tables, charts, widgets and plain values it defined.
SHOW = """
import importlib.util, json, sys
import altair as alt
import polars as pl

spec = importlib.util.spec_from_file_location("notebook", sys.argv[1])
notebook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebook)
outputs, defs = notebook.app.run()


def shown(value):
    if isinstance(value, pl.DataFrame):
        return {"columns": value.columns, "rows": value.rows()}
    if isinstance(value, alt.TopLevelMixin):
        return {"chart": value.to_dict()}
    if type(value).__module__.startswith("marimo._plugins.ui"):
        return {"widget": type(value).__name__, "value": value.value}
    if isinstance(getattr(value, "text", None), str):
        return {"html": value.text}
    try:
        return {"value": json.loads(json.dumps(value))}
    except (TypeError, ValueError):
        return {"type": type(value).__name__}


json.dump(
    {"outputs": [shown(o) for o in outputs], "defs": {k: shown(v) for k, v in defs.items()}},
    sys.stdout, ensure_ascii=False, default=str,
)
"""


@pytest.fixture(scope="module")
def shown(county):
    """notebook name → {"outputs": [...], "defs": {...}} as the notebook left them."""
    out = {}
    for notebook in NOTEBOOKS:
        run = subprocess.run(
            [sys.executable, "-c", SHOW, str(notebook)],
            cwd=REPO, env=_env(county), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, f"{notebook.name} failed:\n{run.stderr[-3000:]}"
        out[notebook.stem] = json.loads(run.stdout)
    return out


def _warnings(county: Path) -> list[dict]:
    """Every warning of the run, read from the warehouse itself (not the analysts' views)."""
    with duckdb.connect(str(county / "warehouse.duckdb"), read_only=True) as con:
        return (
            con.sql(
                "SELECT period, township, village, household_id, segment, rule_id, cause_label, measures"
                " FROM warn.warnings"
            )
            .pl()
            .to_dicts()
        )


def _chart(cell: dict) -> tuple[str, dict, list[dict]]:
    """(mark, encoding, data rows) of a chart as Vega-Lite receives it."""
    spec = cell["chart"]
    mark = spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]
    return mark, spec["encoding"], spec["datasets"][spec["data"]["name"]]


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {
        "month_at_a_glance.py",
        "match_quality.py",
        "rule_tuning.py",
        "starter.py",
    }


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless(county, notebook):
    out = subprocess.run(
        [sys.executable, str(notebook)],
        cwd=REPO,
        env=_env(county),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"{notebook.name} failed:\n{out.stderr[-3000:]}"


VIEWS = {"households", "persons", "department_facts", "warnings", "verifications", "rule_precision",
         "data_quality", "quarantine", "runs"}  # fmt: skip


def test_starter_lists_the_views_and_answers_its_two_questions(shown, county):
    views, segments, villages = shown["starter"]["outputs"]
    assert set(views["html"].split("views: ")[1].split("<")[0].split(", ")) == VIEWS
    # households per segment: as the ground truth has them
    with (county / "truth" / "households.csv").open(encoding="utf-8", newline="") as f:
        truth = Counter(r["segment"] for r in csv.DictReader(f))
    assert segments["columns"] == ["segment", "households"]
    assert dict(segments["rows"]) == dict(truth) and len(truth) == 3
    # the ten villages with the most warned households this period, each with its true count
    warned = defaultdict(set)
    for w in _warnings(county):
        if w["period"] == PERIOD:
            warned[(w["township"], w["village"])].add(w["household_id"])
    counts = {place: len(hs) for place, hs in warned.items()}
    assert villages["columns"] == ["township", "village", "households"]
    assert len(villages["rows"]) == min(10, len(counts))
    assert all(counts[(t, v)] == n for t, v, n in villages["rows"])
    listed = [n for _, _, n in villages["rows"]]
    assert listed == sorted(listed, reverse=True)
    left_out = [n for place, n in counts.items() if list(place) not in [r[:2] for r in villages["rows"]]]
    assert all(n <= listed[-1] for n in left_out)  # no village left out has more


def _rule_causes() -> list[str]:
    """The cause labels of the rule files in rules/ (12 today)."""
    labels = set()
    for path in (REPO / "rules").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "cause_label" in data:
            labels.add(data["cause_label"])
    return sorted(labels)


def test_month_at_a_glance_shows_the_periods_warnings(shown, county_run):
    county, _, rules = county_run
    cells = shown["month_at_a_glance"]
    _, picker, heading, stacked, grid, trend, table = cells["outputs"]
    warnings = _warnings(county)
    month = [w for w in warnings if w["period"] == PERIOD]
    assert month, "the county has warnings this period"
    assert (picker["widget"], picker["value"]) == ("dropdown", PERIOD)  # the latest period first
    # by township and cause: warnings and households, as the warehouse has them
    n = Counter((w["township"], w["cause_label"]) for w in month)
    households = defaultdict(set)
    for w in month:
        households[(w["township"], w["cause_label"])].add(w["household_id"])
    expected = sorted((t, c, k, len(households[(t, c)])) for (t, c), k in n.items())
    by_cause = cells["defs"]["by_cause"]
    assert by_cause["columns"] == ["乡镇", "预警原因", "预警数", "户数"]
    assert sorted(map(tuple, by_cause["rows"])) == expected
    # the headline counts as `dixian run` does: warnings (条) and households once each (户), not 户次
    warned = {w["household_id"] for w in month}
    assert (len(month), len(warned)) == (rules["warnings"], rules["households"])
    assert f"{PERIOD} 预警概览：{len(month)} 条预警，涉及 {len(warned)} 户" in heading["html"]
    assert "户次" not in heading["html"]
    assert len(warned) < sum(len(hs) for hs in households.values())  # the two differ in this county
    # the stacked bars: townships along x, warnings summed up y, one colour per cause, on those rows
    mark, enc, rows = _chart(stacked)
    assert (mark, enc["x"]["field"], enc["y"]["field"], enc["y"]["aggregate"], enc["color"]["field"]) == (
        "bar", "乡镇", "预警数", "sum", "预警原因")  # fmt: skip
    assert sorted(tuple(r.values()) for r in rows) == expected
    # one colour per cause, told apart: every cause of rules/ (12) and any other in the warehouse has
    # its own colour, in the same order in the bars and the trend
    scale = enc["color"]["scale"]
    rule_causes = _rule_causes()
    assert len(rule_causes) >= 12
    assert set(scale["domain"]) == set(rule_causes) | {w["cause_label"] for w in warnings}
    assert len(scale["range"]) == len(set(scale["range"])) == len(scale["domain"])
    assert _chart(trend)[1]["color"]["scale"] == scale
    mark, enc, rows = _chart(grid)
    assert (mark, enc["x"]["field"], enc["y"]["field"], enc["color"]["field"]) == (
        "rect",
        "预警原因",
        "乡镇",
        "预警数",
    )
    assert sorted((r["乡镇"], r["预警原因"], r["预警数"]) for r in rows) == [e[:3] for e in expected]
    # the trend over every period
    mark, enc, rows = _chart(trend)
    assert (mark, enc["x"]["field"], enc["y"]["field"]) == ("line", "期别", "预警数")
    over_time = Counter((w["period"], w["cause_label"]) for w in warnings)
    assert sorted((r["期别"], r["预警原因"], r["预警数"]) for r in rows) == sorted(
        (p, c, k) for (p, c), k in over_time.items()
    )
    # the township × cause table: a column per cause, a 合计 per township, largest first
    causes = sorted({w["cause_label"] for w in month})
    assert table["columns"][0] == "乡镇" and table["columns"][-1] == "合计"
    assert sorted(table["columns"][1:-1]) == causes
    got = {r[0]: dict(zip(table["columns"][1:], r[1:], strict=True)) for r in table["rows"]}
    assert set(got) == {w["township"] for w in month}
    for township, row in got.items():
        assert {c: row[c] for c in causes} == {c: n.get((township, c), 0) for c in causes}
        assert row["合计"] == sum(n.get((township, c), 0) for c in causes)
    totals = [r[-1] for r in table["rows"]]
    assert totals == sorted(totals, reverse=True)


def _score_bins(county: Path) -> set[tuple[float, float, str, int]]:
    """(lower, upper, status, rows) of the match scores in bins of 0.05 (1.0 in the last), counted here."""
    with duckdb.connect(str(county / "published.duckdb"), read_only=True) as con:
        scores = con.sql(
            "SELECT match_score, match_status FROM analyst.department_facts"
            " WHERE match_status IN ('matched', 'ambiguous')"
        ).fetchall()
    label = {"matched": "自动匹配", "ambiguous": "待人工核对"}
    bins = Counter((min(math.floor(round(score * 20, 6)), 19), label[status]) for score, status in scores)
    return {(round(b / 20, 2), round((b + 1) / 20, 2), s, n) for (b, s), n in bins.items()}


def test_match_quality_shows_what_the_matching_stage_counted(shown, county_run):
    county, match_stats, _ = county_run
    cells = shown["match_quality"]
    stats = {s["department"]: s for s in match_stats}
    per_department = cells["defs"]["per_department"]
    assert per_department["columns"] == ["部门", "行数", "自动匹配", "待人工核对", "未匹配", "匹配率"]
    assert {r[0]: tuple(r[1:5]) for r in per_department["rows"]} == {
        d: (s["rows"], s["matched"], s["ambiguous"], s["unmatched"]) for d, s in stats.items()
    }
    for department, *_, rate in per_department["rows"]:
        assert rate == round(100 * stats[department]["matched"] / stats[department]["rows"], 1)
    rates = [r[-1] for r in per_department["rows"]]
    assert rates == sorted(rates)  # the weakest department first
    # the method mix covers every row of each department
    mark, enc, rows = _chart(cells["outputs"][2])
    assert (mark, enc["y"]["field"], enc["x"]["stack"], enc["color"]["field"]) == (
        "bar",
        "部门",
        "normalize",
        "匹配方式",
    )
    per_dept = Counter()
    for r in rows:
        per_dept[r["部门"]] += r["行数"]
    assert dict(per_dept) == {d: s["rows"] for d, s in stats.items()}
    # ... in one row per department and method, however many rows the departments sent
    assert len(rows) == len({(r["部门"], r["匹配方式"]) for r in rows}) <= len(stats) * 5
    # the score histogram, binned before it is charted: one row per 0.05 bin and status (matched or
    # ambiguous), counting every row not left unmatched, as the warehouse's scores fall
    mark, enc, rows = _chart(cells["outputs"][3])
    assert (mark, enc["x"]["field"], enc["x"]["bin"], enc["x2"]["field"]) == (
        "bar", "匹配度下限", "binned", "匹配度上限")  # fmt: skip
    assert sum(r["行数"] for r in rows) == sum(s["matched"] + s["ambiguous"] for s in match_stats)
    assert {(r["匹配度下限"], r["匹配度上限"], r["匹配状态"], r["行数"]) for r in rows} == _score_bins(county)
    assert len(rows) <= 20 * 2
    # the review queue and the reasons rows went unmatched
    ambiguous = sum(s["ambiguous"] for s in match_stats)
    assert ambiguous > 0 and len(cells["defs"]["review"]["rows"]) == ambiguous
    reasons = cells["outputs"][-1]
    assert reasons["columns"] == ["部门", "未匹配原因", "行数"]
    unmatched = Counter()
    for department, _, rows_ in reasons["rows"]:
        unmatched[department] += rows_
    assert dict(unmatched) == {d: s["unmatched"] for d, s in stats.items() if s["unmatched"]}


def test_rule_tuning_sweeps_around_the_threshold_in_force(shown, county):
    cells = shown["rule_tuning"]
    defs = cells["defs"]
    # ILL-001 by default, its out-of-pocket line for poverty-exit households: 5,000 yuan in 2026
    # (rules/parameters.yaml), swept from a quarter of it to twice it
    assert (defs["param_name"]["value"], defs["segment"]["value"]) == (
        "illness.out_of_pocket_ytd",
        "poverty_exit",
    )
    assert defs["current"]["value"] == {"poverty_exit": 5000, "monitored": 5000, "ordinary": 20000}
    result = defs["result"]
    assert result["columns"] == ["阈值", "预警户数", "已核实", "属实", "属实率"]
    by_value = {r[0]: r for r in result["rows"]}
    assert list(by_value) == [1250, 2500, 3750, 5000, 6250, 7500, 10000]
    # at the line in force the what-if is the run itself; raising it drops exactly the poverty-exit
    # households whose year-to-date out-of-pocket total (the warning's own measure) is below it
    warned = [w for w in _warnings(county) if w["period"] == PERIOD and w["rule_id"] == "ILL-001"]
    assert warned, "the county has ILL-001 warnings"
    total = {w["household_id"]: json.loads(w["measures"])["out_of_pocket_total"] for w in warned}
    segment = {w["household_id"]: w["segment"] for w in warned}
    assert by_value[5000][1] == len(total)
    for value in (6250, 7500, 10000):
        stays = [h for h in total if segment[h] != "poverty_exit" or total[h] >= value]
        assert by_value[value][1] == len(stays), value
    counts = [r[1] for r in result["rows"]]
    assert counts == sorted(counts, reverse=True) and counts[0] >= len(total)
    # nothing verified yet in this county: no precision to show
    assert {tuple(r[2:]) for r in result["rows"]} == {(0, 0, None)}
    mark, enc, rows = _chart(cells["outputs"][-1])
    assert (mark, enc["x"]["field"], enc["y"]["field"]) == ("line", "阈值", "预警户数")
    assert [(r["阈值"], r["预警户数"]) for r in rows] == [(r[0], r[1]) for r in result["rows"]]


# --- offline export (notebooks/export_offline.py) -----------------------------------------------------


def _export(county: Path, out: Path, *notebooks: str) -> dict[str, _Page]:
    """Run `python -m notebooks.export_offline` on a data folder; notebook name → its parsed page."""
    only = [arg for name in notebooks for arg in ("--notebook", name)]
    run = subprocess.run(
        [sys.executable, "-m", "notebooks.export_offline", "--data-dir", str(county), "--out", str(out),
         "--rules-dir", str(REPO / "rules"), *only],
        cwd=REPO, env=_env(county), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, f"export failed:\n{run.stderr[-3000:]}"
    return {p.stem: _Page.parse(p) for p in sorted(out.glob("*.html"))}


class _Page(HTMLParser):
    """What an exported page holds, read with the standard library's parser: every element's attributes,
    its CSS, its tables, and per chart (<figure data-chart=NAME>) its SVG and the data table under it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.css: list[str] = []
        self.tables: list[dict] = []  # every table, in page order: columns, rows, chart (or None)
        self.charts: dict[str, dict] = {}  # name → {"svg": count, "fills": set, "texts": list}
        self.text = ""
        self._figure: str | None = None
        self._in: list[str] = []
        self._cell: list[str] | None = None

    @classmethod
    def parse(cls, path: Path) -> _Page:
        page = cls()
        page.text = path.read_text(encoding="utf-8")
        page.feed(page.text)
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        self._in.append(tag)
        if "style" in a:
            self.css.append(a["style"] or "")
        if tag == "figure" and "data-chart" in a:
            self._figure = a["data-chart"]
            self.charts[self._figure] = {"svg": 0, "fills": set(), "texts": []}
        chart = self.charts.get(self._figure) if self._figure else None
        if chart is not None:
            chart["svg"] += tag == "svg"
            if a.get("fill", "").startswith("#"):
                chart["fills"].add(a["fill"].lower())
        if tag == "table":
            self.tables.append({"columns": [], "rows": [], "chart": self._figure, "class": a.get("class")})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th":
                self.tables[-1]["columns"].append(text)
            else:
                self.tables[-1]["rows"][-1].append(_value(text))
            self._cell = None
        if tag == "tr" and not self.tables[-1]["rows"][-1]:
            self.tables[-1]["rows"].pop()  # the header row: its cells are the columns
        if tag == "figure":
            self._figure = None
        if self._in and self._in[-1] == tag:
            self._in.pop()
        elif tag in self._in:  # an element left open (a void one): close up to it
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in and self._in[-1] == "style":
            self.css.append(data)
        if self._figure and self._in and self._in[-1] == "text":
            self.charts[self._figure]["texts"].append(data)

    def chart_rows(self, name: str) -> list[dict]:
        """The rows of the data table under chart `name`, as dicts."""
        (table,) = [t for t in self.tables if t["chart"] == name]
        return [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]

    def frames(self) -> list[dict]:
        """The tables a cell showed (not charts' data)."""
        return [t for t in self.tables if t["chart"] is None]


def _value(text: str):
    """A table cell back as a value: an integer, a number, None for an empty cell, or the text."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _same(rows: list[dict]) -> list[tuple]:
    """Rows comparable across JSON and HTML: numbers as floats, sorted."""
    return sorted(
        tuple(float(v) if isinstance(v, int | float) else v for v in r.values()) for r in rows
    )  # fmt: skip


@pytest.fixture(scope="module")
def exported(county, tmp_path_factory):
    return _export(county, tmp_path_factory.mktemp("offline"))


NETWORK = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_URL_TO_A_HOST = re.compile(r"""url\(\s*['"]?\s*([a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)


def test_export_writes_one_page_per_notebook_that_loads_nothing_from_the_network(exported):
    assert set(exported) == {p.stem for p in NOTEBOOKS} | {"index"}
    for name, page in exported.items():
        for tag, attrs in page.elements:
            for key in ("src", "href", "xlink:href", "srcset", "action", "data", "poster"):
                assert not NETWORK.match(attrs.get(key) or ""), (name, tag, key, attrs[key])
            assert tag not in ("script", "link", "iframe", "object", "embed"), (name, tag)
        for css in page.css:  # no stylesheet, image or font from a host
            assert not CSS_URL_TO_A_HOST.search(css), (name, css[:200])
            assert "@import" not in css and "@font-face" not in css, name
        # and the browser is told to fetch nothing, should anything slip through
        (csp,) = [a["content"] for t, a in page.elements if a.get("http-equiv") == "Content-Security-Policy"]
        assert "default-src 'none'" in csp
    links = {a["href"] for t, a in exported["index"].elements if t == "a"}
    assert links == {f"{p.stem}.html" for p in NOTEBOOKS}


def test_export_inlines_every_chart_as_svg_with_its_data_under_it(exported, shown):
    for notebook in (p.stem for p in NOTEBOOKS):
        page = exported[notebook]
        charts = {
            name: value["chart"]
            for name, value in shown[notebook]["defs"].items()
            if "chart" in value and any(o == value for o in shown[notebook]["outputs"])
        }
        assert set(page.charts) == set(charts), notebook
        for name, spec in charts.items():
            assert page.charts[name]["svg"] == 1, (notebook, name)  # drawn, inline
            title = spec["title"]
            assert title in "".join(page.charts[name]["texts"]), (notebook, name)  # its own title, as text
            data = spec["datasets"][spec["data"]["name"]]
            assert _same(page.chart_rows(name)) == _same(data), (notebook, name)
    assert not exported["starter"].charts and len(exported["starter"].frames()) == 2


def test_exported_month_at_a_glance_holds_the_warehouses_counts(exported, county):
    page = exported["month_at_a_glance"]
    warnings = _warnings(county)
    month = [w for w in warnings if w["period"] == PERIOD]
    n = Counter((w["township"], w["cause_label"]) for w in month)
    households = defaultdict(set)
    for w in month:
        households[(w["township"], w["cause_label"])].add(w["household_id"])
    assert sorted(tuple(r.values()) for r in page.chart_rows("stacked")) == sorted(
        (t, c, k, len(households[(t, c)])) for (t, c), k in n.items()
    )
    over_time = Counter((w["period"], w["cause_label"]) for w in warnings)
    assert sorted(tuple(r.values()) for r in page.chart_rows("trend_chart")) == sorted(
        (p, c, k) for (p, c), k in over_time.items()
    )
    heading = f"{PERIOD} 预警概览：{len(month)} 条预警，涉及 {len({w['household_id'] for w in month})} 户"
    assert heading in page.text
    # the bars' legend: every cause of rules/ in a colour of its own, drawn in the SVG
    causes = _rule_causes()
    fills = page.charts["stacked"]["fills"]
    legend = [t for t in page.charts["stacked"]["texts"] if t in causes]
    assert sorted(set(legend)) == causes
    palette = {
        c.lower()
        for c in re.findall(r'"(#[0-9a-fA-F]{6})"', (REPO / "notebooks/month_at_a_glance.py").read_text())
    }
    assert len(fills & palette) >= len(causes) >= 12
    # laid out without a Chinese font (vl-convert measures text), the page says so rather than hiding it
    probe = "from notebooks.export_offline import cjk_fonts_measured as m; print(m())"
    measured = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert measured.stdout.strip() in ("True", "False"), measured.stderr[-2000:]
    assert ("no Chinese font was found" in page.text) == (measured.stdout.strip() == "False")


def test_exported_match_quality_and_rule_tuning_hold_the_warehouses_counts(exported, county_run, shown):
    county, match_stats, _ = county_run
    page = exported["match_quality"]
    stats = {s["department"]: s for s in match_stats}
    per_department = Counter()
    for r in page.chart_rows("method_chart"):
        per_department[r["部门"]] += r["行数"]
    assert dict(per_department) == {d: s["rows"] for d, s in stats.items()}
    bins = {
        (r["匹配度下限"], r["匹配度上限"], r["匹配状态"], r["行数"]) for r in page.chart_rows("score_chart")
    }
    assert bins == _score_bins(county)
    table, reasons = page.frames()
    assert table["columns"] == ["部门", "行数", "自动匹配", "待人工核对", "未匹配", "匹配率"]
    assert {r[0]: tuple(r[1:5]) for r in table["rows"]} == {
        d: (s["rows"], s["matched"], s["ambiguous"], s["unmatched"]) for d, s in stats.items()
    }
    assert reasons["columns"] == ["部门", "未匹配原因", "行数"]
    assert sum(r[2] for r in reasons["rows"]) == sum(s["unmatched"] for s in match_stats)
    # rule tuning: the sweep's table and the chart's data, the threshold in force giving the run's count
    page = exported["rule_tuning"]
    result = shown["rule_tuning"]["defs"]["result"]
    assert [(r["阈值"], r["预警户数"]) for r in page.chart_rows("chart")] == [
        (r[0], r[1]) for r in result["rows"]
    ]
    ill = {
        w["household_id"] for w in _warnings(county) if w["period"] == PERIOD and w["rule_id"] == "ILL-001"
    }
    assert {r["阈值"]: r["预警户数"] for r in page.chart_rows("chart")}[5000] == len(ill)
    # the widgets as the values they had: marimo's web components need its JavaScript, so they are text
    rule, period, segment = (w.split("</span>")[0] for w in page.text.split('class="widget"')[1:])
    assert "规则：ILL-001" in rule and f"期别：{PERIOD}" in period and "户类型：poverty_exit" in segment


def test_match_quality_charts_stay_aggregated_at_100k_rows(county, tmp_path):
    """A scratch copy of the published warehouse with every department row repeated (new row keys) past
    100,000 rows: the charts still get one row per department and method, and per score bin and status,
    only their counts grow; the chart is drawn, not dropped."""
    small = _export(county, tmp_path / "small", "match_quality")["match_quality"]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copyfile(county / "published.duckdb", scratch / "published.duckdb")
    with duckdb.connect(str(scratch / "published.duckdb")) as con:
        sources = [r[0] for r in con.sql("SELECT DISTINCT source FROM analyst.department_facts").fetchall()]
        (rows,) = con.sql("SELECT count(*) FROM analyst.department_facts").fetchall()[0]
        k = -(-100_000 // rows)  # every row k times
        for source in sources:
            con.execute(
                f"""INSERT INTO link.facts_{source}
                    SELECT f.* REPLACE (f.row_key || '#' || t.i AS row_key)
                    FROM link.facts_{source} f, range(1, {k}) t(i)"""
            )
            con.execute(
                f"""INSERT INTO link.matches
                    SELECT m.* REPLACE (m.row_key || '#' || t.i AS row_key)
                    FROM link.matches m, range(1, {k}) t(i) WHERE m.source = '{source}'"""
            )
        (big_rows,) = con.sql("SELECT count(*) FROM analyst.department_facts").fetchall()[0]
    assert big_rows == rows * k >= 100_000
    big = _export(scratch, tmp_path / "big", "match_quality")["match_quality"]
    departments = len(big.frames()[0]["rows"])
    for name, groups in (("method_chart", departments * 5), ("score_chart", 20 * 2)):
        assert big.charts[name]["svg"] == 1
        before, after = small.chart_rows(name), big.chart_rows(name)
        # departments × methods, bins × statuses: the same groups as the small county, larger counts
        assert len(after) == len(before) <= groups, name
        assert [{**r, "行数": r["行数"] * k} for r in before] == after, name
    assert sum(r["行数"] for r in big.chart_rows("method_chart")) == big_rows
