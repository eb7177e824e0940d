"""The monthly screening as plain stage functions: what the Prefect flow runs, what tests call.

Each stage opens the warehouse, does one job, and returns a small JSON-able summary, so a flow can
retry or resume a stage and a test can run one without Prefect.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import stage_markers as markers
from pipelines import warehouse
from pipelines.contracts.township_workbook import file_name as workbook_file_name
from pipelines.county import load_profile
from pipelines.deadlines import due_dates, record_first_issue
from pipelines.facts import build_facts, build_registry_facts
from pipelines.ingest.inbox import ingest_all
from pipelines.ingest.loader import FileAccount
from pipelines.matching.link import match_source, pooled_name_place
from pipelines.outputs import output_file, remove_stale_partials, township_file_names
from pipelines.period import Period
from pipelines.registry import build_core
from pipelines.reporting import accounting_frame, with_departments
from pipelines.rulebook import describe_rules, evaluate_rules, load_parameters, load_rulebook
from pipelines.seal import county_key, load_key
from pipelines.settings import Settings
from pipelines.warnings import build_warnings, lifecycle_params, screened_periods
from pipelines.workdays import load_calendar
from schemas import department_sources

Progress = Callable[[str], None]


def stage_ingest(settings: Settings, period: str, progress: Progress | None = None) -> list[dict]:
    def report(a: FileAccount) -> None:
        if progress:
            progress(f"{a.source}: {a.file} — {a.status}")

    with warehouse.connect(settings.warehouse) as con:
        accounts = ingest_all(con, settings, period, on_file=report)
    return [asdict(a) for a in accounts]


def stage_match(
    settings: Settings, period: str, progress: Progress | None = None, *, resume: bool = True
) -> dict:
    """Build core from the registry, match every source, build the facts. Skipped (its stored result
    returned) when nothing it reads changed since it last completed for the period."""
    with warehouse.connect(settings.warehouse) as con:
        fingerprint = markers.match_fingerprint(con, period)
        done = markers.completed(con, period, "match", fingerprint) if resume else None
        if done is not None:
            if progress:
                progress("unchanged since the last completed match: skipped")
            return {**done, "skipped": True}
        core = build_core(con, period)
        stats = []
        sources = department_sources()
        name_place = pooled_name_place(con, sources, period)
        if progress:
            progress(f"name-and-place rule: {name_place.right}/{name_place.checked} right on rows with an ID")
        for source in sources:
            stats.append(match_source(con, source, period, name_place))
            build_facts(con, source, period)
            if progress:
                progress(f"matched {source}")
        build_registry_facts(con, period)
        result = {"core": core, "match_stats": stats}
        markers.mark(con, period, "match", fingerprint, result)
    return result


def stage_rules(settings: Settings, period: str, *, resume: bool = True) -> dict:
    """Evaluate the rulebook and build the period's warnings; skipped when its inputs are unchanged."""
    params = load_parameters(settings.rules_dir / "parameters.yaml")
    rulebook = load_rulebook(settings.rules_dir, params)
    with warehouse.connect(settings.warehouse) as con:
        match_fp = markers.match_fingerprint(con, period)
        fingerprint = markers.rules_fingerprint(con, period, settings.rules_dir, match_fp)
        done = markers.completed(con, period, "rules", fingerprint) if resume else None
        if done is not None:
            return {
                **done,
                "skipped": True,
                "later_screened": [p for p in screened_periods(con) if p > period],
            }
        hits = evaluate_rules(con, rulebook, params, period)
        warnings = build_warnings(con, hits, period, lifecycle=lifecycle_params(params, period))
        result = {
            "rules": len(rulebook.rules),
            "warnings": warnings.height,
            "households": warnings.get_column("household_id").n_unique(),
        }
        markers.mark(con, period, "rules", fingerprint, result)
        later = [p for p in screened_periods(con) if p > period]
    return {**result, "later_screened": later}


def stage_deliveries(settings: Settings, period: str, accounts: list[dict]) -> dict:
    """Each department's delivery this period (pipelines.deliveries) and what should stop the run."""
    from pipelines.deliveries import blocking, default_expectations, delivery_table, load_expectations
    from schemas import get_source

    departments = {s: get_source(s).department for s in department_sources()}
    p = Period.parse(period)
    quarter = [str(p.shift(-k)) for k in range((p.month - 1) % 3 + 1)]
    with warehouse.connect(settings.warehouse) as con:
        loaded = con.sql(
            "SELECT DISTINCT source, period FROM meta.batches WHERE status = 'loaded' AND period IN ?",
            params=[[str(p.shift(-1)), *quarter]],
        ).fetchall()
        registries = con.sql(
            "SELECT count(*) FROM meta.batches WHERE source = 'registry' AND status = 'loaded'"
        )
        has_registry = bool(registries.fetchall()[0][0])
    expectations = load_expectations(settings.county_dir, departments) or default_expectations(
        sorted({s for s, q in loaded if q == str(p.shift(-1)) and s in departments})
    )
    in_quarter = {s for s, q in loaded if q in quarter and q != period}
    table = delivery_table(accounts, expectations, period, departments, in_quarter)
    unreadable = (
        []
        if has_registry
        else [a for a in accounts if a["source"] == "registry" and a["status"] == "refused"]
    )
    fatal = [
        f"登记名册无法读取 / the registry cannot be read — {a['file']}: {a['message']}" for a in unreadable
    ]
    return {
        "deliveries": table,
        "blocking": [*fatal, *blocking(table, accounts, departments)],
        "fatal": fatal,  # nothing to screen against: --allow-missing does not go ahead either
        "expected_from_file": expectations.from_file,
    }


def stage_export(
    settings: Settings,
    period: str,
    accounts: list[dict],
    match_stats: list[dict],
    today: date | None = None,
    deliveries: list[dict] | None = None,
) -> dict:
    """Township workbooks, the county summary and the departments' quality reports. The deadline is
    counted from the day the period was first issued (`today` on the first export)."""
    from pipelines.export import monthly_unvisited, write_county_summary, write_township_workbook
    from pipelines.feedback.store import returns_not_imported as unimported_returns
    from pipelines.ingest.lexicon import load_lexicon
    from pipelines.ingest.quality_report import write_quality_reports
    from pipelines.warnings import latest_verifications, open_before, period_warnings

    params = load_parameters(settings.rules_dir / "parameters.yaml")
    rulebook = load_rulebook(settings.rules_dir, params)
    rules = describe_rules(rulebook, params, period)
    out = settings.out_dir(period)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out)
    remove_stale_partials(out / "数据质量反馈")
    with warehouse.connect(settings.warehouse) as con:
        warnings = period_warnings(con, period)
        earlier_open = open_before(con, period)
        townships = [
            r[0]
            for r in con.sql("SELECT DISTINCT township FROM core.households ORDER BY township").fetchall()
        ]
        verifications = latest_verifications(con, up_to_period=period)
        returns_not_imported = unimported_returns(con)
        unvisited = {t: monthly_unvisited(con, t, period) for t in townships}  # None: no ledger received
        quality = write_quality_reports(  # for departments, not townships; the county's own words count too
            con, out / "数据质量反馈", period, lexicon=load_lexicon(settings.county_dir)
        )
    calendar = load_calendar(settings.county_dir)
    with warehouse.connect(settings.warehouse) as con:
        issued_on = record_first_issue(con, period, today or date.today())
        due = due_dates(con, settings, [period], calendar)[period]
    paths: list[Path] = []
    names = township_file_names(townships)
    cover_departments = (
        (
            [d["department"] for d in deliveries if d["status"] in ("loaded", "problems")],
            [d["department"] for d in deliveries if d["status"] in ("missing", "resent", "refused")],
        )
        if deliveries
        else None
    )
    profile = load_profile(settings.county_dir)
    seal_key = county_key(settings.county_dir, period)  # created on the first export, kept in data/county
    for township in townships:
        path = output_file(out, workbook_file_name(names[township], period))
        mine = warnings.filter(pl.col("township") == township)
        write_township_workbook(
            path, township, period, mine, rules, due_date=due, mask_ids=settings.mask_ids,
            unvisited=unvisited[township], seal_key=seal_key, departments=cover_departments,
            issuer=profile.issuer,
        )  # fmt: skip
        paths.append(path)
    accounting = accounting_frame(accounts)
    summary = output_file(out, f"县级汇总_{period}.xlsx")
    write_county_summary(
        summary,
        period,
        warnings,
        accounting=with_departments(accounting),
        match_stats=pl.DataFrame(match_stats),
        verifications=verifications,
        due_date=due,
        today=today or date.today(),
        returns_not_imported=returns_not_imported,
        deliveries=pl.DataFrame(deliveries) if deliveries else None,
        earlier_open=earlier_open,
        profile=profile,
    )
    return {
        "deadline": {
            "first_issued_on": issued_on.isoformat(),
            "due_date": due.isoformat(),
            "working_days": settings.due_working_days,
            "calendar_assumed_years": sorted(calendar.assumed_years),
        },
        "township_workbooks": [str(p) for p in paths],
        "county_summary": str(summary),
        "quality_reports": [str(p) for p in quality],
    }


def stage_grid_report(settings: Settings, report_date: date) -> dict:
    """The weekly grid report, one workbook per township, for the month of `report_date`."""
    from pipelines.grid import grid_report_frames, write_grid_report

    period = str(Period(report_date.year, report_date.month))
    out = settings.out_dir(period) / "网格周报"
    paths, unvisited = [], 0
    with warehouse.connect(settings.warehouse) as con:
        townships = [
            r[0]
            for r in con.sql("SELECT DISTINCT township FROM core.households ORDER BY township").fetchall()
        ]
        names = township_file_names(townships)
        remove_stale_partials(out)
        for township in townships:
            frames = grid_report_frames(con, township, period, report_date)
            unvisited += frames["本月未走访监测户"].height
            path = output_file(out, f"{names[township]}_网格周报_{report_date:%Y%m%d}.xlsx")
            paths.append(str(write_grid_report(path, township, period, report_date, frames)))
    return {
        "period": period,
        "report_date": report_date.isoformat(),
        "workbooks": paths,
        "monitored_unvisited": unvisited,
    }


RETURN_SUFFIXES = (".xlsx", ".xlsm", ".xls")
"""Returned workbooks as townships send them back (WPS and old Excel save .xls)."""


def stage_feedback(settings: Settings, folder: Path | None = None) -> list[dict]:
    """Import every returned workbook waiting in <data>/returns/ (or `folder`), each against the period
    it was issued for when that period was screened. Re-importing a file applies nothing twice, so the
    daily job simply looks at the whole folder. Every file there gets a report: one that is not a
    workbook (.et, a PDF, a photo), a lock file or a link out of the data folder says why it was not read."""
    from pipelines.feedback import import_feedback
    from pipelines.feedback.importer import FileReport, record_file
    from pipelines.ingest.admission import Refusal, admission, inbox_files

    folder = folder or settings.data_dir / "returns"
    key = load_key(settings.county_dir)
    reports: list[dict] = []
    with warehouse.connect(settings.warehouse) as con:
        for path in inbox_files(folder):
            refusal = admission(path, settings.data_dir, None)
            if path.suffix.lower() not in RETURN_SUFFIXES and (
                refusal is None or refusal.category == "unsupported_format"
            ):
                refusal = Refusal(
                    "unsupported_format",
                    f"不是核实表工作簿（{path.suffix or '无扩展名'}），请用县里下发的 .xlsx 原表填写后报回（WPS 请另存为"
                    f" .xlsx）| not a verification workbook ({path.suffix or 'no suffix'}): fill in the .xlsx "
                    "that was sent (from WPS, save as .xlsx)",
                )
            if refusal is not None:
                zh, _, en = refusal.message.partition(" | ")
                shown = str(path.relative_to(folder)) if path.is_relative_to(folder) else path.name
                report = FileReport(
                    file=shown, status="refused" if refusal.status == "refused" else "skipped",
                    sha256=hashlib.sha256(f"returns:{shown}".encode()).hexdigest(),
                    message_zh=zh, message_en=en or zh,
                )  # fmt: skip
                if report.status == "refused":  # listed in the county summary (回收文件未导入) until it is
                    record_file(con, report)  # replaced; lock files need nothing from anyone
                reports.append(report.as_dict())
                continue
            [report] = import_feedback(con, [path], key=key)
            reports.append(report.as_dict())
    return reports


def stage_publish(settings: Settings) -> str:
    """Refresh the analyst views and publish the read-only copy analysts open."""
    from pipelines.analyst import publish

    return str(publish(settings.warehouse))
