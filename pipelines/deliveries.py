"""Did the departments deliver? One status per department and period, from the run's file accounts.

Which feeds a county expects is a small file, `<data>/county/deliveries.yaml`:

    monthly: [medical_insurance, health, civil_affairs]
    quarterly: [education]          # due by the last month of each quarter
    as_available: [emergency]       # never missing

Without it, the departments that delivered the previous period are expected monthly (the first month
expects nothing but some department file at all). A run that received no department file, or misses
an expected one, stops before matching unless the officer lets it go ahead (`--allow-missing`): the
workbooks would otherwise look normal while holding last month's picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.period import Period
from schemas.yamltext import load_yaml

EXPECTATIONS_FILE = "deliveries.yaml"
CADENCES = ("monthly", "quarterly", "as_available")

STATUS_ZH = {
    "loaded": "已接收并入库",
    "problems": "已接收，部分行有问题",
    "refused": "已接收但拒收",
    "resent": "旧文件重复报送",
    "missing": "未收到",
    "not_due": "本期无需报送",
}


class ExpectationsError(ValueError):
    """The county's deliveries file is not what it should be (file, entry, what was expected)."""


@dataclass(frozen=True)
class Expectations:
    cadence: dict[str, str]
    """source → monthly | quarterly | as_available."""
    from_file: bool


def load_expectations(county_dir: Path, known_sources: Iterable[str]) -> Expectations | None:
    """The county's file, checked against the sources the catalogue knows; None when there is none."""
    path = county_dir / EXPECTATIONS_FILE
    if not path.is_file():
        return None
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:  # yaml errors and the alias-bomb guard
        raise ExpectationsError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or set(data) - set(CADENCES):
        raise ExpectationsError(f"{path}: expected lists under {', '.join(CADENCES)}")
    known = set(known_sources)
    cadence: dict[str, str] = {}
    for kind in CADENCES:
        names = data.get(kind) or []
        if not isinstance(names, list):
            raise ExpectationsError(f"{path}: '{kind}' must be a list of source names")
        for name in names:
            if name not in known:
                raise ExpectationsError(
                    f"{path}: '{kind}' lists {name!r}, which is not a source (see `dixian sources list`)"
                )
            if name in cadence:
                raise ExpectationsError(f"{path}: {name!r} is listed twice ({cadence[name]} and {kind})")
            cadence[name] = kind
    return Expectations(cadence, from_file=True)


def default_expectations(delivered_last_period: Iterable[str]) -> Expectations:
    return Expectations({s: "monthly" for s in delivered_last_period}, from_file=False)


def _due(cadence: str, period: Period, received_this_quarter: bool) -> bool:
    if cadence == "monthly":
        return True
    if cadence == "quarterly":
        return period.month % 3 == 0 and not received_this_quarter
    return False


def delivery_table(
    accounts: list[dict],
    expectations: Expectations,
    period: str,
    departments: dict[str, str],
    received_this_quarter: Iterable[str] = (),
) -> list[dict]:
    """One row per department source that was expected or sent something: status, its words, files,
    rows loaded and why. departments: source → department name."""
    p = Period.parse(period)
    quarter = set(received_this_quarter)
    by_source: dict[str, list[dict]] = {}
    for a in accounts:
        if a.get("source") and a["source"] in departments:
            by_source.setdefault(a["source"], []).append(a)
    rows = []
    for source in sorted(
        set(expectations.cadence) | set(by_source), key=lambda s: (departments.get(s, s), s)
    ):
        files = by_source.get(source, [])
        cadence = expectations.cadence.get(source, "as_available")
        loaded = [
            a
            for a in files
            if a["status"] == "loaded" or (a["status"] == "skipped" and not a.get("resent_from"))
        ]
        resent = [a for a in files if a.get("resent_from")]
        refused = [a for a in files if a["status"] == "refused"]
        detail = ""
        if loaded:
            problems = refused or any(a["rows_quarantined"] for a in loaded)
            status = "problems" if problems else "loaded"
            if refused:
                detail = "；".join(f"{a['file']}: {a['message']}" for a in refused)
            elif problems:
                detail = f"{sum(a['rows_quarantined'] for a in loaded)}行有问题，见《数据质量反馈》"
        elif refused:
            status, detail = "refused", "；".join(f"{a['file']}: {a['message']}" for a in refused)
        elif resent:
            status = "resent"
            detail = (
                "与"
                + "、".join(sorted({a["resent_from"] for a in resent}))
                + "期的文件完全相同，本期数据未收到"
            )
        else:
            status = "missing" if _due(cadence, p, source in quarter) else "not_due"
        rows.append(
            {
                "source": source,
                "department": departments.get(source, source),
                "cadence": cadence,
                "status": status,
                "status_zh": STATUS_ZH[status],
                "files": len(files),
                "rows_loaded": sum(a["rows_loaded"] + a.get("rows_changed", 0) for a in loaded),
                "detail": detail,
            }
        )
    return rows


def blocking(table: list[dict], accounts: list[dict], departments: dict[str, str]) -> list[str]:
    """Why the run should not go on without the officer's word: no department file at all, or an
    expected department without this period's data."""
    reasons = []
    if not any(a.get("source") in departments for a in accounts):
        reasons.append("本期收件箱中没有任何部门的数据文件 | no department file in this period's inbox")
    for row in table:
        if row["status"] in ("missing", "resent", "refused") and row["cadence"] != "as_available":
            reasons.append(f"{row['department']}：{row['status_zh']} | {row['source']}: {row['status']}")
    return reasons


__all__ = [
    "EXPECTATIONS_FILE",
    "STATUS_ZH",
    "Expectations",
    "ExpectationsError",
    "blocking",
    "default_expectations",
    "delivery_table",
    "load_expectations",
]
