"""Each analyst notebook as one self-contained HTML file: for mail, and for machines with no internet.

    .venv/bin/python -m notebooks.export_offline --data-dir data --out reports/2026-11

`marimo export html` writes a page that fetches marimo's JavaScript and fonts from a CDN: on a county
intranet it stays blank. This runs each notebook headless (marimo's App.run, as the tests do, on the
published copy of DATA) and writes what its cells show as plain HTML: markdown as HTML, tables as
<table>, widgets as the value they had, and every chart as an inline <svg> drawn by vl-convert (Vega-Lite
compiled and rendered in Python) with the chart's aggregated data as a table under it. The pages carry
no script and load nothing: no <script src>, no stylesheet or font from the web, and a
Content-Security-Policy that forbids the browser any fetch. Before a page is written it is checked for
any reference to the network; one found is an error, not a warning.

For the interactive notebooks on the same machine, `marimo run notebooks/NAME.py` (see README.md).
"""

from __future__ import annotations

import argparse
import functools
import html
import importlib.util
import json
import math
import os
import re
import sys
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

NOTEBOOK_DIR = Path(__file__).resolve().parent
TITLES = {
    "month_at_a_glance": "月度预警概览 / month at a glance",
    "match_quality": "数据匹配质量 / match quality",
    "rule_tuning": "规则阈值试算 / rule tuning",
    "starter": "分析起步 / starter",
}
CHART_MAX_ROWS = 5_000  # altair's own default: the notebooks aggregate before they chart
TABLE_MAX_ROWS = 2_000  # a table longer than this is cut, and says so
FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
# the browser may load nothing at all: styles are inline, charts are inline SVG, there is no script
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = f"""
body {{ font-family: {FONT}; margin: 2rem auto; max-width: 68rem; padding: 0 1rem; color: #222; }}
header {{ border-bottom: 1px solid #ccc; margin-bottom: 1.5rem; }}
header p {{ color: #555; font-size: 0.9rem; }}
section.cell {{ margin: 1.5rem 0; }}
table {{ border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }}
th, td {{ border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
th {{ background: #f4f4f4; }}
caption {{ caption-side: top; text-align: left; color: #555; padding: 0.2rem 0; }}
figure.chart {{ margin: 0; }}
figure.chart svg {{ max-width: 100%; height: auto; display: block; }}
summary {{ color: #555; cursor: pointer; font-size: 0.9rem; }}
.widget {{ display: inline-block; border: 1px solid #ccc; border-radius: 4px; padding: 0.1rem 0.5rem;
           margin: 0.2rem 0.5rem 0.2rem 0; background: #fafafa; align-self: flex-start; }}
.note {{ color: #a15c00; }}
code {{ background: #f4f4f4; padding: 0 0.2rem; }}
"""


class NetworkReference(ValueError):
    """A page would load something from the network: it is not written."""


def notebooks(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The marimo apps in `directory` (this exporter and any helper module are not notebooks)."""
    app = re.compile(r"^app = marimo\.App\(", re.MULTILINE)
    return sorted(p for p in directory.glob("*.py") if app.search(p.read_text(encoding="utf-8")))


def run_notebook(path: Path) -> tuple[list[Any], dict[str, Any]]:
    """Run a notebook headless with marimo's App.run: (each cell's output, every name it defined)."""
    spec = importlib.util.spec_from_file_location(f"dixian_notebook_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    argv = sys.argv
    sys.argv = [str(path)]  # the notebook's own command line, not ours
    try:
        spec.loader.exec_module(module)
        outputs, defs = module.app.run()
    finally:
        sys.argv = argv
    return list(outputs), dict(defs)


# --- values -------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(round(value, 6))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render_table(
    columns: list[str],
    rows: list[list[Any]] | list[tuple],
    caption: str = "",
    max_rows: int = TABLE_MAX_ROWS,
    **attrs: str,
) -> str:
    """A plain HTML table, numbers right-aligned; longer than `max_rows`: cut, with a note that says so.
    `attrs` become the table's attributes (class_="x" → class="x", data_chart="y" → data-chart="y")."""
    shown = rows[:max_rows]
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(str(v))}"' for k, v in attrs.items())
    out = [f"<table{extra}>"]
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in shown:
        cells = (
            f'<td class="num">{html.escape(_cell_text(v))}</td>'
            if _is_number(v)
            else f"<td>{html.escape(_cell_text(v))}</td>"
            for v in row
        )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if len(rows) > len(shown):
        out.append(
            f'<p class="note">仅显示前 {len(shown)} 行，共 {len(rows)} 行 | first {len(shown)} of '
            f"{len(rows)} rows: run the notebook for all of them</p>"
        )
    return "".join(out)


def render_frame(frame: Any) -> str:
    return render_table(
        list(frame.columns), frame.rows(), caption=f"{frame.height} 行 × {frame.width} 列", class_="frame"
    )


# --- charts -------------------------------------------------------------------------------------------

FONT_NOTE = (
    "本机未找到中文字体，图中文字的排版可能重叠或被截断（数字与下方表格不受影响）| no Chinese font was found "
    "to lay the charts out: their labels may overlap or be cut (the numbers and tables are unaffected); "
    "install one (e.g. Noto Sans CJK) or pass --font-dir"
)


@functools.cache
def cjk_fonts_measured() -> bool:
    """Whether vl-convert has a font with Chinese glyphs. It measures text to place axes and legends: with
    none, Chinese labels are measured about a third as wide as they are drawn, and overlap or are cut."""
    import vl_convert as vlc

    def left(label: str) -> float:  # the width of a y axis whose one label is `label`, at 10px
        spec = {
            "data": {"values": [{"t": label, "n": 1}]},
            "mark": "bar",
            "encoding": {
                "y": {"field": "t", "type": "nominal", "title": None, "axis": {"labelLimit": 0}},
                "x": {"field": "n", "type": "quantitative"},
            },
        }
        return vlc.vegalite_to_scenegraph(spec, config={"font": FONT.replace('"', "'")})["origin"][0]

    return left("预警原因预警原因预警原因") - left("x") >= 0.7 * 10 * 12


def _vl_version() -> str | None:
    import altair as alt
    import vl_convert as vlc

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None


def chart_spec(chart: Any, name: str) -> dict:
    """The chart's Vega-Lite spec with its data inline; more than CHART_MAX_ROWS rows fails loudly."""
    import altair as alt

    try:
        with alt.data_transformers.enable("default", max_rows=CHART_MAX_ROWS):
            spec = chart.to_dict()
    except alt.MaxRowsError as exc:
        raise ValueError(
            f"chart {name!r} has more than {CHART_MAX_ROWS} rows: aggregate before charting ({exc})"
        ) from exc
    if any("url" in node for node in _data_nodes(spec)):
        raise NetworkReference(f"chart {name!r} reads its data from a URL: only inline data can go offline")
    return spec


def _data_nodes(spec: Any) -> list[dict]:
    found = []
    if isinstance(spec, dict):
        if isinstance(spec.get("data"), dict):
            found.append(spec["data"])
        for key, value in spec.items():
            if key != "datasets":
                found.extend(_data_nodes(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(_data_nodes(value))
    return found


def chart_svg(spec: dict) -> str:
    """The chart drawn as SVG, in Python: no browser, no script; data from anywhere but the spec refused."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(
        spec, vl_version=_vl_version(), allowed_base_urls=[], config={"font": FONT.replace('"', "'")}
    )
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


def render_chart(chart: Any, name: str) -> str:
    spec = chart_spec(chart, name)
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    tables = []
    datasets = dict(spec.get("datasets", {}))
    if isinstance(spec.get("data"), dict) and isinstance(spec["data"].get("values"), list):
        datasets["values"] = spec["data"]["values"]  # data left inline in the spec, not consolidated
    for dataset, rows in datasets.items():
        columns = list(dict.fromkeys(k for r in rows for k in r))
        table = render_table(
            columns, [[r.get(c) for c in columns] for r in rows], max_rows=CHART_MAX_ROWS,
            class_="chart-data", data_chart=name, data_dataset=dataset,
        )  # fmt: skip
        summary = f"图表数据 / the chart's data：{title or name}（{len(rows)} 行 rows）"
        tables.append(f"<details><summary>{html.escape(summary)}</summary>{table}</details>")
    return (
        f'<figure class="chart" id="chart-{html.escape(name)}" data-chart="{html.escape(name)}">'
        f"{chart_svg(spec)}{''.join(tables)}</figure>"
    )


# --- marimo markup ------------------------------------------------------------------------------------


def _strip_tags(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


class _StaticMarkup(HTMLParser):
    """marimo's HTML with its web components (<marimo-dropdown …>, which need marimo's JavaScript)
    replaced by the value they show, and anything that would run or load dropped."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr", "col", "area", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0  # inside <script>/<style>/<link> …: dropped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.skip += 1
            return
        if self.skip or tag == "link":
            return
        if tag.startswith("marimo-"):
            self.out.append(self._widget(tag, dict(attrs)))
            return
        kept = "".join(
            f' {k}="{html.escape(v or "")}"' if v is not None else f" {k}"
            for k, v in attrs
            if not k.startswith("on")
        )
        self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if not tag.startswith("marimo-") and tag not in self.VOID and not self.skip:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag == "link" or tag.startswith("marimo-") or tag in self.VOID:
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    @staticmethod
    def _widget(tag: str, attrs: dict[str, str | None]) -> str:
        if tag == "marimo-ui-element":
            return ""  # a wrapper: the element inside says what it is
        label = value = ""
        with_value = "data-initial-value" in attrs
        try:
            label = _strip_tags(json.loads(attrs.get("data-label") or '""') or "")
            if with_value:
                initial = json.loads(attrs["data-initial-value"] or "null")
                value = (
                    "、".join(map(_cell_text, initial)) if isinstance(initial, list) else _cell_text(initial)
                )
        except (TypeError, ValueError):
            pass
        if not with_value:
            return f'<span class="note">（交互元素 {html.escape(tag)} 仅在 marimo run 中显示）</span>'
        shown = f"{label}：{value}" if label else value
        return f'<span class="widget" data-widget="{html.escape(tag)}">{html.escape(shown)}</span>'


def static_markup(markup: str) -> str:
    parser = _StaticMarkup()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


# --- outputs, pages -----------------------------------------------------------------------------------


def render_output(value: Any, name: str | None) -> str:
    """One cell's output as static HTML ("" for a cell that shows nothing)."""
    import altair as alt
    import polars as pl

    if value is None:
        return ""
    if isinstance(value, alt.TopLevelMixin):
        return render_chart(value, name or "chart")
    if isinstance(value, pl.DataFrame):
        return render_frame(value)
    if isinstance(getattr(value, "text", None), str):  # marimo Html: markdown, widgets, stacks
        return static_markup(value.text)
    return f"<pre>{html.escape(repr(value))}</pre>"


_URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data", "background"}
_NETWORK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append("<script>")
        self.in_style = tag == "style"
        for key, value in attrs:
            if key in _URL_ATTRS and value and _NETWORK.match(value):
                self.found.append(f"<{tag} {key}={value}>")
            if key == "style" and value and (_CSS_URL.search(value) or _CSS_IMPORT.search(value)):
                self.found.append(f"<{tag} style={value}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style and (_CSS_URL.search(data) or _CSS_IMPORT.search(data)):
            self.found.append(f"<style>{data[:80]}")


def network_references(page: str) -> list[str]:
    """What in `page` would make a browser fetch from the network (empty: nothing)."""
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser.found


def page(title: str, subtitle: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{html.escape(title)}</h1><p>{subtitle}</p></header>\n{body}\n</body></html>\n"
    )


def render_notebook(path: Path, source: str, font_note: bool = False) -> str:
    outputs, defs = run_notebook(path)
    sections = []
    for value in outputs:
        name = next((k for k, v in defs.items() if v is value and not k.startswith("_")), None)
        shown = render_output(value, name)
        if shown:
            sections.append(f'<section class="cell">{shown}</section>')
    subtitle = (
        f"{html.escape(source)} · 生成于 generated {datetime.now():%Y-%m-%d %H:%M} · 静态页面，离线可看 | "
        f"a static page, readable offline; to change a choice run "
        f"<code>marimo run notebooks/{html.escape(path.name)}</code>"
    )
    if font_note and any('<figure class="chart"' in s for s in sections):
        sections.insert(0, f'<p class="note">{html.escape(FONT_NOTE)}</p>')
    return page(TITLES.get(path.stem, path.stem), subtitle, "\n".join(sections))


def _checked(text: str, name: str) -> str:
    found = network_references(text)
    if found:
        raise NetworkReference(f"{name} would load from the network: {found[:5]}")
    return text


def export(
    data_dir: Path,
    out: Path,
    rules_dir: Path | None = None,
    only: list[str] | None = None,
    font_dirs: list[Path] | None = None,
) -> list[Path]:
    """Run each notebook on `data_dir`'s published copy; write NAME.html per notebook and index.html."""
    import vl_convert as vlc

    from pipelines.analyst import published_path
    from pipelines.settings import Settings

    os.environ["DIXIAN_DATA"] = str(Path(data_dir).resolve())  # the notebooks read Settings.load()
    if rules_dir is not None:
        os.environ["DIXIAN_RULES"] = str(Path(rules_dir).resolve())
    published = published_path(Settings.load().warehouse)
    if not published.exists():
        raise FileNotFoundError(f"{published} does not exist yet: run `dixian run` (or `make demo`) first")
    source = f"数据 data: {published} ({datetime.fromtimestamp(published.stat().st_mtime):%Y-%m-%d %H:%M})"
    for font_dir in font_dirs or ():
        vlc.register_font_directory(str(font_dir))
    cjk_fonts_measured.cache_clear()
    font_note = not cjk_fonts_measured()
    if font_note:
        print(f"warning: {FONT_NOTE}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    chosen = [p for p in notebooks() if not only or p.stem in only]
    unknown = set(only or ()) - {p.stem for p in chosen}
    if unknown:
        raise ValueError(f"no such notebook: {sorted(unknown)}; there are {[p.stem for p in notebooks()]}")
    for path in chosen:
        text = _checked(render_notebook(path, source, font_note), path.name)
        target = out / f"{path.stem}.html"
        target.write_text(text, encoding="utf-8")
        written.append(target)
    links = "".join(
        f'<li><a href="{p.name}">{html.escape(TITLES.get(p.stem, p.stem))}</a></li>' for p in written
    )
    index = out / "index.html"
    index.write_text(
        _checked(page("分析笔记 / analyst notebooks", html.escape(source), f"<ul>{links}</ul>"), "index"),
        encoding="utf-8",
    )
    return [*written, index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m notebooks.export_offline",
        description="Write each analyst notebook as one self-contained HTML file (charts inline, no network).",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("DIXIAN_DATA") or "data"))
    parser.add_argument("--out", type=Path, required=True, help="folder for NAME.html and index.html")
    parser.add_argument(
        "--rules-dir", type=Path, default=None, help="rules/ (default: DIXIAN_RULES or rules)"
    )
    parser.add_argument(
        "--notebook", action="append", help="only this notebook (repeatable), e.g. match_quality"
    )
    parser.add_argument(
        "--font-dir",
        type=Path,
        action="append",
        help="a folder of .ttf/.otf/.ttc fonts to lay the charts out with (one with Chinese glyphs); the "
        "system's fonts are used too",
    )
    args = parser.parse_args(argv)
    for path in export(args.data_dir, args.out, args.rules_dir, args.notebook, args.font_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
