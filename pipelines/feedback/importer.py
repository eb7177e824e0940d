"""Import returned township workbooks into warn.verifications, row by row, without losing or repeating anything.

    reports = import_feedback(con, [Path("小河镇_预警核实表_2026-11.xlsx")])

A file is first authenticated (hidden `_dixian` sheet and its fingerprint, township, period, visits known
to the warehouse); a refused file applies nothing. Then every row is checked on its own: valid rows are
recorded, invalid ones reported with sheet and row and left for the township to fix, blank ones are pending.
Rows are joined on our visit id (预警编号) and the meta sheet's visit → warning ids, never on ID numbers.
Re-importing the same answers applies nothing; a different later answer is a correction (latest wins).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb

from pipelines.contracts.township_workbook import Column, answer_keys, fill_columns, township_in_file_name
from pipelines.feedback.errors import FeedbackRefused, MetaTampered, WrongPeriod, WrongTownship
from pipelines.feedback.store import ensure_feedback_schema
from pipelines.feedback.workbook import ReturnedRow, ReturnedWorkbook, file_sha256, read_returned_workbook
from pipelines.normalize.idcard import mask_ids_in_text
from pipelines.outputs import township_named_by
from pipelines.period import Period
from pipelines.seal import SealKey
from pipelines.warnings import (
    latest_verifications,
    period_warnings,
    record_verifications,
    screened_periods,
)

Level = Literal["error", "pending", "note"]
FileStatus = Literal["imported", "already_imported", "refused", "skipped"]
"""skipped: a lock or hidden file in the returns folder, nothing to do."""

_DASHES = re.compile(r"[－—–‐‑﹣−]")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Issue:
    """One problem in a returned file, for the township (zh) and the log (en)."""

    file: str
    sheet: str
    sheet_row: int | None
    visit_id: str
    level: Level
    code: str
    zh: str
    en: str

    def __post_init__(self) -> None:
        # what staff typed reaches these texts (an ID number in 预警编号 or 核实日期): never a full ID
        # on stdout, in the JSON report or in warn.feedback_issues
        for name in ("visit_id", "zh", "en", "file"):
            object.__setattr__(self, name, mask_ids_in_text(getattr(self, name) or ""))

    def __str__(self) -> str:
        where = f"{self.sheet} 第{self.sheet_row}行" if self.sheet_row else self.sheet
        visit = f" [{self.visit_id}]" if self.visit_id else ""
        return f"{self.file} {where}{visit}: {self.zh} / {self.en}"


@dataclass
class FileReport:
    """What importing one file did."""

    file: str
    status: FileStatus
    township: str = ""
    period: str = ""
    sha256: str = ""
    applied: int = 0
    """Visits recorded for the first time."""
    corrected: int = 0
    """Visits whose earlier answer was replaced by a different one (history kept)."""
    unchanged: int = 0
    """Visits answered exactly as already recorded (nothing applied again)."""
    pending: int = 0
    """Visits not answered yet (blank rows, deleted rows)."""
    rejected: int = 0
    """Rows with errors: not applied, to be fixed and returned again."""
    message_zh: str = ""
    message_en: str = ""
    issues: list[Issue] = field(default_factory=list)

    def __setattr__(self, name: str, value: object) -> None:
        # a return's file name or a reader's error may hold an ID number: never printed or stored whole
        if name in ("file", "message_zh", "message_en") and isinstance(value, str):
            value = mask_ids_in_text(value)
        super().__setattr__(name, value)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "status": self.status,
            "township": self.township,
            "period": self.period,
            "applied": self.applied,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "pending": self.pending,
            "rejected": self.rejected,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "issues": [
                {
                    "sheet": i.sheet,
                    "row": i.sheet_row,
                    "visit_id": i.visit_id,
                    "level": i.level,
                    "code": i.code,
                    "zh": i.zh,
                    "en": i.en,
                }
                for i in self.issues
            ],
        }


@dataclass(frozen=True)
class Answer:
    """One household's answer: the value of every column the township fills in (the workbook contract)."""

    visit_id: str
    sheet_row: int
    values: tuple[tuple[str, object], ...]
    """(column key, checked value) in contract order: text, a chosen value, a date."""

    def key(self) -> tuple[object, ...]:
        return tuple(v for _, v in self.values)

    def value(self, key: str) -> object:
        return dict(self.values)[key]


def import_feedback(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    *,
    period: str | None = None,
    township: str | None = None,
    today: date | None = None,
    key: SealKey | None = None,
) -> list[FileReport]:
    """Import returned workbooks in the given order; one FileReport per file, refused files included.

    `key`: the county's seal key (pipelines.seal.load_key); a workbook sealed with it is checked against
    it, one with the old unkeyed seal is accepted only for a period issued before the key, with a note.

    `period`: the period being collected; a workbook of another period is refused. By default each
    workbook is imported for the period it was issued for when that period was screened (a return that
    comes back late still counts for its own month), else against the latest period. `township`: when
    given, the township that sent the files; a workbook of another township is refused. `today` bounds
    verification dates (default: the real today).
    """
    ensure_feedback_schema(con)
    today = today or date.today()
    screened = set(screened_periods(con))
    latest = max(screened) if screened else None
    reports = []
    for path in paths:
        reports.append(_import_one(con, Path(path), period, township, today, key, screened, latest))
    return reports


def _import_one(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    period: str | None,
    township: str | None,
    today: date,
    key: SealKey | None,
    screened: set[str] | None = None,
    latest: str | None = None,
) -> FileReport:
    try:
        sha = file_sha256(path)
    except OSError as exc:
        report = FileReport(
            file=path.name, status="refused", sha256=hashlib.sha256(f"unreadable:{path}".encode()).hexdigest(),
            message_zh=f"文件无法打开（{exc.strerror}），未导入", message_en=f"cannot open the file ({exc}); not imported",
        )  # fmt: skip
        _record_file(con, report, fingerprint="")
        return report
    known = con.sql(
        "SELECT status, imported_at FROM warn.feedback_files WHERE file_sha256 = ? AND status = 'imported'",
        params=[sha],
    ).fetchall()
    try:
        wb = read_returned_workbook(path, key)
        if known:
            return FileReport(
                file=path.name, status="already_imported", township=wb.township, period=wb.period, sha256=sha,
                message_zh=f"该文件已于{known[0][1]:%Y-%m-%d %H:%M}导入过（内容完全相同），本次未重复导入",
                message_en=f"this exact file was already imported at {known[0][1]:%Y-%m-%d %H:%M}; nothing applied again",
            )  # fmt: skip
        if period is None:  # not given: the workbook's own period when it was screened
            period = wb.period if wb.period in (screened or set()) else latest
        _check_scope(con, wb, period, township)
    except FeedbackRefused as exc:
        report = FileReport(
            file=path.name, status="refused", sha256=sha, message_zh=exc.zh, message_en=exc.en
        )
        report.issues.append(Issue(path.name, "", None, "", "error", exc.code, exc.zh, exc.en))
        _record_file(con, report, fingerprint="")
        return report

    report = FileReport(file=path.name, status="imported", township=wb.township, period=wb.period, sha256=sha)
    if wb.legacy_seal:
        report.issues.append(
            Issue(
                path.name, "", None, "", "note", "legacy_seal",
                "本表为启用本县密钥前下发的旧版表（旧版校验码），已逐户核对预警归属后导入",
                "issued before the county key (legacy sha256 seal): imported after checking every warning "
                "belongs to its visit's household",
            )
        )  # fmt: skip
    answers = _validate_rows(wb, report, today)
    con.execute("BEGIN TRANSACTION")
    try:
        _record_answers(con, wb, answers, report)
        report.message_zh = (
            f"{wb.township} {wb.period}：新导入 {report.applied} 户，更正 {report.corrected} 户，"
            f"与已导入相同 {report.unchanged} 户，待核实 {report.pending} 户，有误未导入 {report.rejected} 行"
        )
        report.message_en = (
            f"{wb.township} {wb.period}: {report.applied} applied, {report.corrected} corrected, "
            f"{report.unchanged} unchanged, {report.pending} pending, {report.rejected} rejected"
        )
        _record_file(con, report, fingerprint=wb.fingerprint)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return report


def _check_scope(
    con: duckdb.DuckDBPyConnection, wb: ReturnedWorkbook, period: str | None, township: str | None
) -> None:
    name = wb.file
    if township is not None and wb.township != township:
        raise WrongTownship(
            name,
            f"本表是“{wb.township}”的核实表，不是“{township}”的，未导入",
            f"workbook belongs to township {wb.township!r}, not {township!r}; refused",
        )
    named = township_in_file_name(Path(name).stem)
    if named and not township_named_by(named, wb.township):
        raise WrongTownship(
            name,
            f"文件名为“{named}”，但表内系统信息属于“{wb.township}”，请核对是否报错了乡镇的表",
            f"file name says township {named!r} but the workbook is {wb.township!r}; refused",
        )
    if period is None:
        raise WrongPeriod(
            name,
            "系统中还没有任何一期预警，无法导入核实结果",
            "the warehouse holds no warnings yet; nothing to verify",
        )
    if wb.period != period:
        older = wb.period < period
        raise WrongPeriod(
            name,
            f"本表是{wb.period}期的核实表，当前回收的是{period}期"
            + ("（已过期的旧表，请填写本期下发的新表）" if older else "（期次不符）"),
            f"workbook is for period {wb.period}, the period being collected is {period}"
            + (" (an old workbook)" if older else ""),
        )
    known = period_warnings(con, wb.period).select("warning_id", "township", "household_id").rows()
    if not known:
        raise WrongPeriod(
            name,
            f"系统中没有{wb.period}期的预警，无法导入",
            f"no warnings of period {wb.period} in the warehouse",
        )
    by_id = {wid: (t, hh) for wid, t, hh in known}
    unknown = [w for ws in wb.visits.values() for w in ws if w not in by_id]
    if unknown:
        raise WrongPeriod(
            name,
            f"表内有 {len(unknown)} 条预警编号在系统中不存在（{'、'.join(unknown[:5])}），不是本系统本期下发的表",
            f"{len(unknown)} warning id(s) of the meta sheet are unknown to the warehouse: {unknown[:5]}",
        )
    prefix = f"{wb.period}-"
    misplaced = sorted(
        v
        for v, ws in wb.visits.items()
        for w in ws
        if not v.startswith(prefix) or by_id[w][1] != v[len(prefix) :]
    )
    if misplaced:
        # the seal protects the listing; this protects the families even if a seal were forged
        raise MetaTampered(
            name,
            f"表内 {len(misplaced)} 户的预警与户编号不符（{'、'.join(misplaced[:3])}），本表不予导入，请使用原表填写",
            f"{len(misplaced)} visit(s) list warnings of another household ({misplaced[:3]}); refused",
        )
    foreign = sorted({by_id[w][0] or "" for ws in wb.visits.values() for w in ws} - {wb.township})
    if foreign:
        raise WrongTownship(
            name,
            f"表内预警属于其他乡镇（{'、'.join(foreign)}），与本表乡镇“{wb.township}”不符，未导入",
            f"warnings in the meta sheet belong to {foreign}, not {wb.township!r}; refused",
        )


def parse_date(text: str, period_start: date | None = None) -> date | None:
    """A verification date as staff type it: 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, 20261120,
    an Excel serial, with full-width digits and dashes from a Chinese IME (２０２６－１２－０１); with
    `period_start`, also a month and day alone (12月1日: the first such day on or after the period start)."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = _DASHES.sub("-", text)
    m = _DATE.match(text) or _COMPACT_DATE.match(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    md = _MONTH_DAY.match(text)
    if md and period_start is not None:
        month, day = int(md.group(1)), int(md.group(2))
        for year in (period_start.year, period_start.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if candidate >= period_start:
                return candidate
        return None
    try:
        serial = float(text)
    except ValueError:
        return None
    if 20000 < serial < 80000 and serial == int(serial):  # 1954–2119: an Excel date serial
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    return None


def _shown(text: str) -> str:
    """Typed text echoed in a message: ID numbers masked (staff sometimes type one into any cell), cut short."""
    text = mask_ids_in_text(text)
    return text if len(text) <= 40 else text[:40] + "…"


def normalize_outcome(text: str) -> str:
    return _DASHES.sub("-", _SPACES.sub("", text))


def _check_cell(c: Column, text: str, start: date, today: date) -> tuple[object, tuple[str, str, str] | None]:
    """A filled cell's value as stored (text, a chosen value, a date) and its problem (code, zh, en), if any."""
    code = "date" if c.kind == "fill_date" else c.key
    if not text:
        problem = (f"{code}_missing", f"{c.header}未填", f"{c.header} ({c.label_en or c.key}) is empty")
        return (None if c.kind == "fill_date" else ""), problem if c.must_fill else None
    if c.kind == "fill_choice":
        value = normalize_outcome(text)
        if value not in c.choices:
            return value, (
                f"{code}_invalid",
                f"{c.header}“{_shown(text)}”不在下拉选项中，请从下拉列表选择",
                f"{c.label_en or c.key} {_shown(text)!r} is not one of {list(c.choices)}",
            )
        return value, None
    if c.kind == "fill_date":
        day = parse_date(text, start)
        if day is None:
            return None, (
                f"{code}_invalid",
                f"{c.header}“{_shown(text)}”无法识别，请按 {start.isoformat()} 的格式填写",
                f"{c.label_en or c.key} {_shown(text)!r} is not a date",
            )
        if day > today:
            return day, (
                f"{code}_future",
                f"{c.header} {day.isoformat()} 晚于今天（{today.isoformat()}），请核对",
                f"{c.label_en or c.key} {day.isoformat()} is in the future (today is {today.isoformat()})",
            )
        if day < start:
            return day, (
                f"{code}_before_period",
                f"{c.header} {day.isoformat()} 早于本期开始日 {start.isoformat()}，请核对",
                f"{c.label_en or c.key} {day.isoformat()} is before the period start {start.isoformat()}",
            )
        return day, None
    return text, None


def _validate_rows(wb: ReturnedWorkbook, report: FileReport, today: date) -> dict[str, Answer]:
    start = Period.parse(wb.period).start
    seen: dict[str, list[tuple[ReturnedRow, Answer | None]]] = {}

    def issue(row: ReturnedRow | None, level: Level, code: str, zh: str, en: str, visit: str = "") -> None:
        report.issues.append(
            Issue(
                wb.file,
                wb.sheet,
                row.sheet_row if row else None,
                row.visit_id if row else visit,
                level,
                code,
                zh,
                en,
            )
        )

    for row in wb.rows:
        if not row.visit_id:
            if not row.blank:
                report.rejected += 1
                issue(row, "error", "no_visit_id", "该行没有预警编号，无法对应到预警，未导入（请勿自行增加行）",
                      "row has answers but no visit id (预警编号): added by hand? not applied")  # fmt: skip
            continue
        if row.visit_id not in wb.visits:
            report.rejected += 1
            issue(row, "error", "unknown_visit", "预警编号不属于本表（是否从其他表复制而来或被改动？），未导入",
                  "visit id is not one of this workbook's visits (copied from another workbook or edited?)")  # fmt: skip
            continue
        if row.blank:
            seen.setdefault(row.visit_id, []).append((row, None))
            continue
        problems: list[tuple[str, str, str]] = []
        values: list[tuple[str, object]] = []
        for c in fill_columns():
            value, problem = _check_cell(c, row.cells[c.key], start, today)
            values.append((c.key, value))
            if problem is not None:
                problems.append(problem)
        if problems:
            report.rejected += 1
            for code, zh, en in problems:
                issue(row, "error", code, zh + "，本行未导入", en + "; row not applied")
            seen.setdefault(row.visit_id, []).append((row, None))
            continue
        answer = Answer(visit_id=row.visit_id, sheet_row=row.sheet_row, values=tuple(values))
        seen.setdefault(row.visit_id, []).append((row, answer))

    answers: dict[str, Answer] = {}
    for visit, entries in seen.items():
        given = [a for _, a in entries if a is not None]
        distinct = {a.key() for a in given}
        if len(distinct) > 1:
            rows = "、".join(str(r.sheet_row) for r, a in entries if a is not None)
            report.rejected += len(given)
            issue(None, "error", "conflicting_rows",
                  f"同一预警编号出现在多行（第{rows}行）且填写不一致，未导入，请保留一行后重新报送",
                  f"visit appears on rows {rows} with different answers; none applied", visit=visit)  # fmt: skip
        elif given:
            answers[visit] = given[0]
        elif all(r.blank for r, _ in entries):
            report.pending += 1
            issue(
                entries[0][0],
                "pending",
                "pending",
                "尚未填写核实结果（待核实）",
                "not verified yet (pending)",
            )
    for visit in wb.visits:
        if visit not in seen:
            report.pending += 1
            issue(None, "pending", "row_missing", "本户所在行已从表中删除，视为待核实，请补报",
                  "the visit's row was deleted from the sheet; counted as pending", visit=visit)  # fmt: skip
    return answers


def _record_answers(
    con: duckdb.DuckDBPyConnection, wb: ReturnedWorkbook, answers: dict[str, Answer], report: FileReport
) -> None:
    if not answers:
        return
    keys = answer_keys()
    current = latest_verifications(con, period=wb.period, township=wb.township).select(
        "visit_id", "warning_id", *keys, "revision"
    )
    latest = {(r[0], r[1]): (tuple(r[2:-1]), int(r[-1])) for r in current.iter_rows()}
    meta = {
        wid: (hh, rule)
        for wid, hh, rule in period_warnings(con, wb.period)
        .select("warning_id", "household_id", "rule_id")
        .iter_rows()
    }
    now = datetime.now().replace(microsecond=0)
    rows: list[dict[str, object]] = []
    for visit, answer in answers.items():
        states = [latest.get((visit, wid)) for wid in wb.visits[visit]]
        if all(s is not None and s[0] == answer.key() for s in states):
            report.unchanged += 1
            continue
        correction = any(s is not None for s in states)
        report.corrected += int(correction)
        report.applied += int(not correction)
        for wid, state in zip(wb.visits[visit], states, strict=True):
            if state is not None and state[0] == answer.key():
                continue
            hh, rule = meta[wid]
            rows.append({
                "visit_id": visit, "warning_id": wid, "period": wb.period, "township": wb.township,
                "household_id": hh, "rule_id": rule, **dict(answer.values),
                "source_file": wb.file, "file_sha256": wb.sha256, "sheet": wb.sheet, "sheet_row": answer.sheet_row,
                "revision": (state[1] + 1) if state else 1, "is_correction": state is not None, "imported_at": now,
            })  # fmt: skip
        if correction:
            report.issues.append(
                Issue(
                    wb.file,
                    wb.sheet,
                    answer.sheet_row,
                    visit,
                    "note",
                    "correction",
                    f"更正了此前导入的核实结果，以本次为准（现为“{answer.value('outcome')}”）",
                    f"corrects an earlier imported answer; the latest wins (now {answer.value('outcome')!r})",
                )
            )
    record_verifications(con, rows)


def _record_file(con: duckdb.DuckDBPyConnection, report: FileReport, *, fingerprint: str) -> None:
    now = datetime.now().replace(microsecond=0)
    con.execute("DELETE FROM warn.feedback_files WHERE file_sha256 = ?", [report.sha256])
    con.execute(
        "INSERT INTO warn.feedback_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [report.sha256, report.file, report.township, report.period, fingerprint, report.status,
         f"{report.message_zh} / {report.message_en}" if report.message_zh else "",
         report.applied, report.corrected, report.unchanged, report.pending, report.rejected, now],
    )  # fmt: skip
    if report.issues:
        con.executemany(
            "INSERT INTO warn.feedback_issues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[report.sha256, i.file, i.sheet, i.sheet_row, i.visit_id, i.level, i.code, i.zh, i.en, now]
             for i in report.issues],
        )  # fmt: skip


def record_file(con: duckdb.DuckDBPyConnection, report: FileReport) -> None:
    """Record a returns-folder file that was never opened as a workbook (a .et, a photo), so the county
    summary lists it with its reason; seen again unchanged, it keeps the time it was first found."""
    ensure_feedback_schema(con)
    seen = con.sql(
        "SELECT status, message FROM warn.feedback_files WHERE file_sha256 = ?", params=[report.sha256]
    ).fetchall()
    if seen and seen[0] == (report.status, f"{report.message_zh} / {report.message_en}"):
        return
    _record_file(con, report, fingerprint="")


def pending_visits(reports: Iterable[FileReport]) -> list[Issue]:
    """Every pending visit across reports (blank or deleted rows)."""
    return [i for r in reports for i in r.issues if i.level == "pending"]
