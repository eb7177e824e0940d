"""Which department sent a file, from every cue a person would use.

Cues, surest first: the headers (how many of a source's own fields they name, and whether its
required fields are there), the folder (医保 / 县医疗保障局 / medical_insurance …), the file and sheet
names and the title rows above the header (石台县医疗保障局2026年10月结算明细). A folder or title only
tips the balance between sources whose headers fit: a file in the wrong folder whose headers clearly
belong to another source is taken for that source, and the reason says so. When two sources fit about
equally and no cue tells them apart, the file is refused with both names and how to settle it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.errors import AmbiguousSourceError, UnknownSourceError
from pipelines.ingest.header import source_fit
from pipelines.ingest.lexicon import Lexicon
from pipelines.ingest.meaning import name_cues
from pipelines.ingest.readers import RawSheet
from schemas import department_sources, get_source

FOLDER_WEIGHT = 1.5
NAME_WEIGHT = 1.0
TOPIC_WEIGHT = 0.5
MIN_FIT = 1.5
"""To take a file away from the department its folder names, another source's headers must name this
much of its own fields (summed confidence): one shared word (自付) is not a department."""
MARGIN = 0.5
"""The best source must lead the next by this much (header confidence + cue weights), else: ambiguous."""
_PERIOD_FOLDER = re.compile(r"^\d{4}-?\d{1,2}$")


@dataclass(frozen=True)
class Detection:
    source: str
    reason: str
    """In words, for the officer: which cues chose it."""


def title_text(sheet: RawSheet, rows: int = 4) -> str:
    """Text of the first rows that look like titles (one or two filled cells)."""
    out = []
    for row in sheet.grid.head(rows).drop("row_no").iter_rows():
        filled = [str(v) for v in row if v is not None and str(v).strip()]
        if 0 < len(filled) <= 2:
            out.extend(filled)
    return " ".join(out)


def _strongest(cues: dict[str, int]) -> set[str]:
    if not cues:
        return set()
    top = max(cues.values())
    return {s for s, n in cues.items() if n == top}


def _label(source: str) -> str:
    return f"{source}（{get_source(source).department}）"


def detect_source(sheets: list[RawSheet], path: Path, shown: str, lexicon: Lexicon) -> Detection:
    """The source of a file in a folder that does not settle it; raises UnknownSourceError when no
    source's headers fit and AmbiguousSourceError when two fit about equally."""
    data = [s for s in sheets if not s.skip_reason]
    folder = path.parent.name
    folder_cues = {} if _PERIOD_FOLDER.match(folder) else name_cues(folder, lexicon.departments)
    names = " ".join([path.stem, *(s.sheet for s in data if s.sheet)])
    titles = " ".join(title_text(s) for s in data)
    name_hits = name_cues(f"{names} {titles}", lexicon.departments)
    topic_hits = name_cues(f"{names} {titles}", lexicon.topics)
    folder_cues.pop("registry", None)
    name_hits.pop("registry", None)
    by_folder, by_name, by_topic = _strongest(folder_cues), _strongest(name_hits), set(topic_hits)

    # the registry comes only from data/registry/ (or --source registry): a department's list that
    # happens to carry 户编号 must never replace the monitoring system's export
    candidates = list(department_sources())
    scored: list[tuple[float, str, str, float]] = []
    for name in candidates:
        source = get_source(name)
        best = (0.0, 0, False)
        for sheet in data:
            best = max(best, source_fit(sheet.grid, source, lexicon), key=lambda f: (f[2], f[0], f[1]))
        distinctive, _, required = best
        cue = (
            FOLDER_WEIGHT * (name in by_folder)
            + NAME_WEIGHT * (name in by_name)
            + TOPIC_WEIGHT * (name in by_topic)
        )
        if not required or (distinctive <= 0 and cue <= 0):
            continue
        why = [f"表头符合 {distinctive:.1f}"]
        if name in by_folder:
            why.append(f"文件夹“{folder}”")
        if name in by_name:
            why.append("文件名/标题")
        scored.append((distinctive + cue, name, "，".join(why), distinctive))
    if by_folder:
        # the folder names a department: another source takes the file only if its headers clearly fit
        scored = [t for t in scored if t[1] in by_folder or t[3] >= MIN_FIT]
    scored.sort(key=lambda t: (-t[0], candidates.index(t[1])))
    if not scored:
        named = sorted(by_folder | by_name)
        hint = (
            f" (the folder or title names {', '.join(named)} but its required columns are missing)"
            if named
            else ""
        )
        if len(by_folder) == 1:
            # the folder says which department; let the header check say what is missing
            (only,) = by_folder
            return Detection(only, f"文件夹“{folder}”（表头不全）")
        raise UnknownSourceError(
            shown,
            "unknown source: neither the folder, the file name, the title nor the headers say which "
            f"department sent it{hint}; put it in a folder named after its department (医保, 民政, … or "
            f"medical_insurance, civil_affairs, …) or pass --source | 无法识别数据来源：请将文件放入以部门命名的文件夹",
        )
    if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
        a, b = scored[0], scored[1]
        raise AmbiguousSourceError(
            shown,
            f"ambiguous source: the file fits {_label(a[1])} ({a[2]}) and {_label(b[1])} ({b[2]}) about "
            f"equally; put it in a folder named after its department or pass --source {a[1]} / --source "
            f"{b[1]} | 数据来源不明确：{get_source(a[1]).department} 或 {get_source(b[1]).department}，"
            "请放入对应部门文件夹",
            candidates=(a[1], b[1]),
        )
    top = scored[0]
    reason = top[2]
    if by_folder and top[1] not in by_folder:
        reason += f"（文件夹“{folder}”指向 {'/'.join(sorted(by_folder))}，但表头属于 {top[1]}）"
    return Detection(top[1], reason)
