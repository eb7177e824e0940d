"""The township verification workbook: the only thing township staff ever see from Dixian.

Sheets: 填写说明 (cover), 预警核实表 (one row per household to visit, with columns to fill),
规则说明 (every rule that fired), 本月未走访监测户 (must-visit notice: monitored households with no grid
visit recorded this month), and the very hidden `_dixian` meta sheet (which lists the verification
sheet only: the feedback import never reads the notice).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipelines.contracts import township_workbook as contract
from pipelines.contracts.township_workbook import COVER_SHEET, RULES_SHEET, UNVISITED_SHEET, VERIFY_SHEET
from pipelines.county import DEFAULT_ISSUER
from pipelines.export.cells import (
    estimate_lines,
    natural_key,
    new_workbook,
    period_start,
    write_number,
    write_text,
)
from pipelines.export.errors import ExportError, PeriodMismatchError, TownshipMismatchError
from pipelines.export.meta import write_meta_sheet
from pipelines.export.visits import Visit, build_visits, require_columns
from pipelines.export.vocab import (
    MONITORED_EXPLAINED,
    OUTCOMES,
    RULE_COLUMNS,
    RULE_HEADERS,
    SEVERITY_COLOR,
    SEVERITY_FONT,
    SEVERITY_LABEL,
    SEVERITY_RANK,
    UNVISITED_COLUMNS,
    UNVISITED_SHEET_COLUMNS,
)
from pipelines.seal import SealKey

__all__ = ["COVER_SHEET", "RULES_SHEET", "VERIFY_SHEET", "write_township_workbook"]

NO_LEDGER = "本期未收到网格走访台账"

_FONT = "宋体"
_A4, _A3 = 9, 8
_LINE_HEIGHT = 14.5
_MAX_ROW_HEIGHT = 409


def write_township_workbook(
    path: str | Path,
    township: str,
    period: str,
    warnings: pl.DataFrame,
    rules: pl.DataFrame,
    *,
    due_date: date,
    mask_ids: bool = False,
    unvisited: pl.DataFrame | None = None,
    seal_key: SealKey | None = None,
    departments: tuple[list[str], list[str]] | None = None,
    issuer: str = DEFAULT_ISSUER,
) -> Path:
    """Write one township's verification workbook and return its path. `seal_key`: the county's key
    (pipelines.seal) the hidden sheet is sealed with; the monthly export always passes it.

    Refuses (TownshipMismatchError, a ValueError) any warning row of another township: the caller
    filters by the registry's township, this function double-checks. Also refuses rows of another
    period. One row per household (hits grouped), sorted by village, group, household_id; the
    visit id ``{period}-{household_id}`` is both the visible 预警编号 and the join key listed in the
    hidden `_dixian` sheet. Warnings with status ``suppressed`` (verified 无风险 recently, see
    pipelines.warnings) are left out. ``mask_ids`` shows ID numbers as 341722********1234. The file is
    byte-stable for the same input (created date fixed to the period start, no timestamps).

    ``unvisited`` (columns vocab.UNVISITED_COLUMNS, see pipelines.export.must_visit) lists the monitored
    households with no grid visit recorded in the month; it fills the 本月未走访监测户 sheet and is
    counted on the cover. Rows of another township are refused like warnings. None means no visit
    ledger was received: the sheet then says so (本期未收到网格走访台账) rather than list everyone.

    ``departments``: (departments whose data this period's screening used, departments whose data did
    not arrive), said on the cover so a township knows which risks this list cannot show. ``issuer``: the
    office the workbook comes from (pipelines.county: many counties merged the rural-revitalisation bureau
    into the agriculture bureau).
    """
    start = period_start(period)
    if due_date < start:
        raise ValueError(f"due_date: {due_date} is before the period start {start} of {period!r}")
    require_columns(rules, "rules", RULE_COLUMNS)
    _check_scope(township, period, warnings)
    must_visit = _must_visit_rows(township, unvisited)
    if "status" in warnings.columns:  # suppressed warnings stay in the warehouse, never reach a township
        warnings = warnings.filter(pl.col("status").ne_missing("suppressed"))

    visits = build_visits(period, warnings)
    path = Path(path)
    title = f"{township}防返贫动态监测部门数据比对预警核实表（{period}）"
    workbook = new_workbook(path, period, title, company=issuer)
    try:
        formats = _Formats(workbook)
        _write_cover(
            workbook.add_worksheet(COVER_SHEET), formats, title, visits, warnings.height, due_date,
            period, must_visit, departments, issuer,
        )  # fmt: skip
        verify = workbook.add_worksheet(VERIFY_SHEET)
        _write_visits(verify, formats, township, period, visits, start, mask_ids=mask_ids, due_date=due_date)
        _write_rules(workbook.add_worksheet(RULES_SHEET), formats, warnings, rules)
        _write_unvisited(workbook.add_worksheet(UNVISITED_SHEET), formats, township, period, must_visit)
        write_meta_sheet(
            workbook,
            header=contract.meta_header(
                township, period, due_date, masked=mask_ids, households=len(visits), warnings=warnings.height
            ),
            visits=[(v.visit_id, v.warning_ids) for v in visits],
            key=seal_key,
        )
        verify.activate()
    except BaseException:
        workbook.discard()  # never a half-written workbook under its name for someone to send out
        raise
    workbook.close()
    return path


def _check_scope(township: str, period: str, warnings: pl.DataFrame) -> None:
    require_columns(warnings, "warnings", ("township", "household_id", "period"))
    foreign = warnings.filter(pl.col("township").ne_missing(township))
    if foreign.height:
        raise TownshipMismatchError(township, list(foreign.select("township", "household_id").iter_rows()))
    orphan = warnings.filter(
        pl.col("household_id").is_null() | (pl.col("household_id").str.strip_chars() == "")
    )
    if orphan.height:  # a warning without a household cannot be visited nor joined back
        ids = orphan.get_column("warning_id").to_list() if "warning_id" in orphan.columns else []
        raise ExportError(
            f"township workbook for {township!r} refused: warning(s) without household_id: {ids}"
        )
    other = warnings.filter(pl.col("period").ne_missing(period))
    if other.height:
        raise PeriodMismatchError(period, other.get_column("period").to_list())


def _must_visit_rows(township: str, unvisited: pl.DataFrame | None) -> list[dict[str, object]] | None:
    """The township's unvisited monitored households, one per household, in natural village/group order."""
    if unvisited is None:
        return None
    require_columns(unvisited, "unvisited", UNVISITED_COLUMNS)
    foreign = unvisited.filter(pl.col("township").ne_missing(township))
    if foreign.height:
        raise TownshipMismatchError(
            township, list(foreign.select("township", "household_id").iter_rows()), rows="unvisited household"
        )
    blank = unvisited.filter(
        pl.col("household_id").is_null() | (pl.col("household_id").cast(pl.String).str.strip_chars() == "")
    )
    if blank.height:
        raise ExportError(
            f"township workbook for {township!r} refused: {blank.height} unvisited household row(s) "
            "without household_id"
        )
    rows = unvisited.unique(subset="household_id", keep="first", maintain_order=True).to_dicts()
    rows.sort(key=lambda r: tuple(natural_key(_str(r[c])) for c in ("village", "group", "household_id")))
    return rows


class _Formats:
    """All cell formats of the workbook, created once (xlsxwriter dedupes, but keep it explicit)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": _FONT, "font_size": contract.PRINT_FONT_PT, "valign": "top"}
        cell = {**base, "border": 1, "text_wrap": True}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.heading = wb.add_format({**base, "bold": True, "font_size": 12})
        self.para = wb.add_format({**base, "font_size": 11, "text_wrap": True})
        self.warn = wb.add_format(
            {**base, "font_size": 11, "bold": True, "font_color": "#C00000", "text_wrap": True}
        )
        self.header = wb.add_format(
            {**cell, "bold": True, "bg_color": "#D9D9D9", "align": "center", "valign": "vcenter"}
        )
        self.fill_header = wb.add_format(
            {**cell, "bold": True, "bg_color": "#F4B183", "align": "center", "valign": "vcenter"}
        )
        # quote_prefix: a value edited in Excel later stays text instead of turning into a formula
        self.text = wb.add_format({**cell, "quote_prefix": True})
        self.number = wb.add_format({**cell, "align": "center"})
        self.fill = wb.add_format({**cell, "locked": False, "bg_color": "#FFF2CC"})
        self.fill_date = wb.add_format(
            {**cell, "locked": False, "bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd"}
        )
        self.severity = {
            sev: wb.add_format(
                {
                    **cell,
                    "bold": True,
                    "align": "center",
                    "bg_color": SEVERITY_COLOR[sev],
                    "font_color": SEVERITY_FONT[sev],
                }
            )
            for sev in SEVERITY_RANK
        }


def _department_lines(departments: tuple[list[str], list[str]] | None) -> list[tuple[str, str, object]]:
    if departments is None:
        return []
    used, missing = departments
    lines: list[tuple[str, str, object]] = [
        ("para", "本期比对数据", f"已收到{len(used)}个部门的本期数据：{'、'.join(used) or '无'}。")
    ]
    if missing:
        lines.append(
            (
                "warn",
                "本期缺少数据",
                f"{'、'.join(missing)}本期数据未收到（或只重发了旧文件），相关风险本期未能比对，"
                "请结合走访掌握情况。",
            )
        )
    return lines


def _write_cover(
    ws: Worksheet,
    f: _Formats,
    title: str,
    visits: list[Visit],
    n_warnings: int,
    due_date: date,
    period: str,
    must_visit: list[dict[str, object]] | None,
    departments: tuple[list[str], list[str]] | None = None,
    issuer: str = DEFAULT_ISSUER,
) -> None:
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 76)
    ws.hide_gridlines(2)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.fit_to_pages(1, 1)  # one sheet of paper to pin up next to the list
    ws.set_margins(left=0.5, right=0.5, top=0.5, bottom=0.5)
    ws.merge_range(0, 0, 0, 1, "", f.title)
    write_text(ws, 0, 0, title, f.title)
    ws.set_row(0, 28)

    by_sev = {s: sum(1 for v in visits if v.severity == s) for s in SEVERITY_RANK}
    if visits:
        counts = (
            f"本期共 {len(visits)} 户、{n_warnings} 条预警（按户最高等级：红色 {by_sev['red']} 户、"
            f"黄色 {by_sev['yellow']} 户、绿色 {by_sev['green']} 户）。"
        )
    else:
        counts = "本期无预警。本乡镇本期部门数据比对未发现需入户核实的风险线索，无需填报。"
    if must_visit is None:
        unvisited_line = (
            "warn",
            "本月未走访监测户",
            f"{NO_LEDGER}，暂无法核对本月（{period}）监测户走访情况。监测户每月必访，请督促网格员按月报送走访台账。",
        )
    elif must_visit:
        unvisited_line = (
            "warn",
            "本月未走访监测户",
            f"本月（{period}）尚有 {len(must_visit)} 户监测户无走访记录（名单见“{UNVISITED_SHEET}”表）。"
            "监测户每月必访，请在本月内补访。",
        )
    else:
        unvisited_line = ("para", "本月未走访监测户", f"本月（{period}）监测户均已有走访记录。")

    lines: list[tuple[str, str, object]] = [
        ("heading", "一、这是什么", None),
        (
            "para",
            "",
            f"本表是{issuer}将各部门数据与防返贫监测信息系统中的监测对象及农户信息比对后发现的风险线索，"
            "不是认定结论。请逐户入户核实，如实填写核实结果。",
        ),
        ("para", "", MONITORED_EXPLAINED),
        ("para", "预警户数", counts),
        (
            "warn",
            "核实反馈截止日期",
            f"{due_date.year}年{due_date.month}月{due_date.day}日（{due_date.isoformat()}）",
        ),
        unvisited_line,
        *_department_lines(departments),
        ("heading", "二、如何填写", None),
        (
            "para",
            "",
            "在“预警核实表”中，每户一行。灰色表头各列为部门比对信息，请勿修改；"
            "橙色表头各列（核实结果、核实情况说明、核实人、核实日期、乡镇审核人）由乡镇、村组织核实后填写。",
        ),
        ("para", "核实结果", "从下拉列表中选择一项，不要自行输入其他文字。各选项含义见下表。"),
        ("para", "核实情况说明", "简要写明入户了解的实际情况、已采取或拟采取的措施。"),
        ("para", "核实日期", "填写入户核实的日期，格式如 2026-05-20。"),
        ("para", "预警编号", "系统编号，用于回收核实结果，请勿修改、删除或调整行。"),
        ("para", "打印", "“预警核实表”列数较多，已设置为A3纸横向打印；其余各表为A4纸横向。"),
        (
            "para",
            "已是监测户",
            "户类型中标注“已是监测户”的，核实属实时请选“风险属实-已是监测户-落实帮扶”并补充帮扶措施，无需重复纳入。",
        ),
        (
            "para",
            "连续预警/风险升级",
            "预警规则后标注“连续预警”的为此前已下发过的预警；标注“风险升级”的为费用等明显增加或新增致贫原因，请优先核实。",
        ),
        ("heading", "三、核实结果选项", None),
        *[("para", value, meaning) for value, meaning in OUTCOMES],
        ("heading", "四、保密要求", None),
        (
            "warn",
            "",
            "本表含个人敏感信息（姓名、身份证号、健康、收入等），仅限核实工作使用，不得外传、"
            "不得公开张贴、不得转发至工作群以外的渠道；核实完成后按要求妥善保管或销毁。",
        ),
        (
            "para",
            "",
            "预警等级：红色为高风险，请优先核实；黄色为中风险；绿色为低风险。具体规则见“规则说明”表。",
        ),
    ]
    row = 2
    for kind, label, text in lines:
        if kind == "heading":
            write_text(ws, row, 0, label, f.heading)
            row += 1
            continue
        fmt = f.warn if kind == "warn" else f.para
        write_text(ws, row, 0, label, f.heading if label else fmt)
        write_text(ws, row, 1, text, fmt)
        ws.set_row(row, _LINE_HEIGHT * estimate_lines(str(text), 76) + 2)
        row += 1


def _write_visits(
    ws: Worksheet,
    f: _Formats,
    township: str,
    period: str,
    visits: list[Visit],
    start: date,
    *,
    mask_ids: bool,
    due_date: date,
) -> None:
    columns = sheet_columns(visits)
    for col, c in enumerate(columns):
        ws.set_column(col, col, c.width, _fill_format(f, c) if c.filled_by_township else None)
        write_text(ws, 0, col, c.header, f.fill_header if c.filled_by_township else f.header)
    ws.set_row(0, 30)

    for i, v in enumerate(visits, start=1):
        cells = _visit_cells(i, v, mask_ids=mask_ids)
        lines = 1
        for col, c in enumerate(columns):
            if c.filled_by_township:
                ws.write_blank(i, col, None, _fill_format(f, c))
                continue
            value = cells[c.key] if c.key in cells else getattr(v, c.key)
            if c.kind == "number":
                if not isinstance(value, int | float):
                    raise TypeError(f"workbook column {c.key!r} is a number column; got {value!r}")
                write_number(ws, i, col, value, f.number)
            elif c.kind == "severity":
                sev = str(value)
                write_text(ws, i, col, SEVERITY_LABEL.get(sev, sev), f.severity.get(sev, f.text))
            else:
                text = str(value)
                write_text(ws, i, col, text, f.text)
                lines = max(lines, estimate_lines(text, c.width))
        ws.set_row(i, min(_MAX_ROW_HEIGHT, _LINE_HEIGHT * lines + 3))

    last_row, last_col = max(len(visits), 1), len(columns) - 1
    col_of = {c.key: n for n, c in enumerate(columns)}
    if visits:
        for col, c in enumerate(columns):
            if c.kind == "fill_choice":
                ws.data_validation(
                    1, col, last_row, col,
                    {
                        "validate": "list",
                        "source": list(c.choices),
                        "input_title": c.header,
                        "input_message": "请从下拉列表中选择",
                        "error_title": c.header,
                        "error_message": "请从下拉列表中选择，不要自行输入",
                    },
                )  # fmt: skip
            elif c.kind == "fill_date":
                ws.data_validation(
                    1, col, last_row, col,
                    {
                        "validate": "date",
                        "criteria": ">=",
                        "value": start,
                        "input_title": c.header,
                        "input_message": f"填写入户核实日期，不早于{start.isoformat()}",
                        "error_title": c.header,
                        "error_message": f"请填写不早于{start.isoformat()}的日期，格式如{start.isoformat()}",
                    },
                )  # fmt: skip
    else:
        write_text(ws, 1, col_of[contract.VISIT_KEY], "本期无预警", f.text)

    ws.freeze_panes(1, col_of[contract.FREEZE_AFTER] + 1)
    ws.autofilter(0, 0, last_row, last_col)
    # protect without password: unlocked fill columns stay editable, our ids cannot be changed by accident
    ws.protect(
        "",
        {
            "autofilter": True,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
    # paper: A4 landscape, the printed columns one page wide (contract.COLUMNS keeps that at >= 9 pt); the
    # on-screen-only columns sit right of the print area; every page says whose list it is and when it is due
    printed = sum(1 for c in columns if c.printed)
    ws.print_area(0, 0, last_row, printed - 1)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=PRINT_SIDE_MARGIN_IN, right=PRINT_SIDE_MARGIN_IN, top=0.6, bottom=0.6)
    ws.set_header(
        f'&C&"宋体,Bold"{_escape_hf(township)}预警核实表（{_escape_hf(period)}）'
        f"  核实反馈截止：{due_date.isoformat()}"
    )
    ws.set_footer("&L含个人敏感信息，不得外传&R第 &P 页，共 &N 页")


PRINT_SIDE_MARGIN_IN = 0.25
"""Left and right margins of the printed verification sheet, in inches."""


def sheet_columns(visits: list[Visit]) -> list[contract.Column]:
    """The contract's columns this workbook writes: a column written only when present is left out when no
    household has a value (the registry export did not carry it)."""
    return [c for c in contract.columns() if not c.when_present or any(getattr(v, c.key, "") for v in visits)]


def _fill_format(f: _Formats, c: contract.Column) -> Format:
    return f.fill_date if c.kind == "fill_date" else f.fill


def _visit_cells(seq: int, v: Visit, *, mask_ids: bool) -> dict[str, object]:
    """The written columns' values that are not a Visit field as it is (contract keys)."""
    return {
        "seq": seq,
        "members": "、".join(_distinct_names(v)),
        # always text: an ID typed as a number loses its last digits in Excel
        "id_numbers": v.id_numbers_text(masked=mask_ids),
        "causes": "、".join(v.cause_labels),
        "rules": "\n".join(v.rule_lines),
        "evidence": "\n".join(v.evidence_lines),
        "departments": "、".join(v.departments),
        "match": "\n".join(v.match_lines),
    }


def _write_rules(ws: Worksheet, f: _Formats, warnings: pl.DataFrame, rules: pl.DataFrame) -> None:
    widths = (12, 10, 30, 50, 9, 16, 30)
    for col, (header, width) in enumerate(zip(RULE_HEADERS, widths, strict=True)):
        ws.set_column(col, col, width)
        write_text(ws, 0, col, header, f.header)
    ws.set_row(0, 24)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.6)
    ws.set_header('&C&"宋体,Bold"预警规则说明')
    ws.set_footer("&R第 &P 页，共 &N 页")

    fired = sorted({str(r) for r in warnings.get_column("rule_id").drop_nulls().to_list()})
    known = {str(r["rule_id"]): r for r in rules.iter_rows(named=True)}
    fallback = {
        str(r["rule_id"]): r
        for r in warnings.unique(subset="rule_id", keep="first", maintain_order=True).iter_rows(named=True)
    }
    for row, rule_id in enumerate(fired, start=1):
        rule = known.get(rule_id)
        if rule is None:  # a rule missing from the rulebook must not hide its warnings
            hit = fallback[rule_id]
            rule = {
                "cause_label": hit["cause_label"],
                "title": hit["title"],
                "description": "（规则库中未找到该规则的说明）",
                "severity": hit["severity"],
                "department": hit["department"],
                "thresholds": "",
            }
        sev = str(rule["severity"] or "")
        values = (rule_id, rule["cause_label"], rule["title"], rule["description"], sev, rule["department"],
                  rule["thresholds"])  # fmt: skip
        lines = 1
        for col, value in enumerate(values):
            if col == 4:
                write_text(ws, row, col, SEVERITY_LABEL.get(sev, sev), f.severity.get(sev, f.text))
            else:
                write_text(ws, row, col, value, f.text)
                lines = max(lines, estimate_lines("" if value is None else str(value), widths[col]))
        ws.set_row(row, min(_MAX_ROW_HEIGHT, _LINE_HEIGHT * lines + 3))


def _write_unvisited(
    ws: Worksheet, f: _Formats, township: str, period: str, rows: list[dict[str, object]] | None
) -> None:
    """The must-visit notice: a plain list to act on, nothing to fill in and return."""
    for col, (header, _, width) in enumerate(UNVISITED_SHEET_COLUMNS):
        ws.set_column(col, col, width)
        write_text(ws, 0, col, header, f.header)
    ws.set_row(0, 24)
    last_col = len(UNVISITED_SHEET_COLUMNS) - 1
    if rows is None or not rows:
        note = (
            f"{NO_LEDGER}，无法核对本月监测户走访情况"
            if rows is None
            else f"本月（{period}）监测户均已有走访记录"
        )
        ws.merge_range(1, 0, 1, last_col, "", f.text)
        write_text(ws, 1, 0, note, f.text)
        ws.set_row(1, 24)
    for i, row in enumerate(rows or [], start=1):
        for col, (_, key, _) in enumerate(UNVISITED_SHEET_COLUMNS):
            if key:
                write_text(ws, i, col, _str(row[key]), f.text)
            else:
                write_number(ws, i, col, i, f.number)
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), last_col)
    ws.set_landscape()
    ws.set_paper(_A4)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.6)
    note = "：监测户每月必访，请在本月内补访" if rows else ""
    ws.set_header(f'&C&"宋体,Bold"{_escape_hf(township)}本月未走访监测户（{_escape_hf(period)}）{note}')
    ws.set_footer("&L含个人敏感信息，不得外传&R第 &P 页，共 &N 页")


def _str(value: object) -> str:
    return "" if value is None else str(value)


def _distinct_names(v: Visit) -> list[str]:
    seen: dict[str, None] = {}
    for name, _ in v.persons:
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _escape_hf(text: str) -> str:
    """Header/footer text treats & as a control code: double it."""
    return text.replace("&", "&&")
