"""Ad hoc matching (一键比对, DESIGN.md §3): any list a department hands over, matched to the registry.

The input keeps every row and column in its original order; the match columns are appended. A column
of the input that already has one of those names keeps it, and the appended one gets `_match`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.ingest.tables import ACCEPT, HEADER_SCAN_ROWS, Words, header_score, load_lexicon
from pipelines.matching.matcher import match_rows_detailed
from pipelines.outputs import AtomicWorkbook, atomic_target, csv_safe
from schemas.base import Field, Source

APPENDED = (
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
)
MAX_CANDIDATES = 10
"""Candidates listed per row sent to review (best first); the text says how many more there are."""
CLASH_SUFFIX = "_match"
APPENDED_ZH: dict[str, str] = {
    "person_id": "人编号",
    "household_id": "户编号",
    "matched_name": "匹配姓名",
    "township": "乡(镇)",
    "village": "行政村",
    "household_type": "户类型",
    "monitoring_type": "监测对象类别",
    "match_status": "匹配结果",
    "match_method": "匹配方式",
    "match_score": "匹配可信度",
    "match_evidence": "匹配依据",
    "candidates": "候选人",
    "candidate_ids": "候选人编号",
}
"""The appended columns as people read them (xlsx, csv); parquet keeps the English names for scripts."""
CLASH_SUFFIX_ZH = "（比对）"
STATUS_ZH: dict[str, str] = {"matched": "已匹配", "ambiguous": "待人工核对", "unmatched": "未匹配"}
METHOD_ZH: dict[str, str] = {
    "id_exact": "身份证号一致",
    "id_repair": "身份证号有误，纠正后一致",
    "name_place": "姓名与村组一致",
    "review_decision": "人工核对结论",
    "none": "无",
}
BIRTH_ALIASES = ("出生日期", "出生年月日", "出生年月", "生日", "出生时间")
OUTPUT_SUFFIXES = (".xlsx", ".csv", ".parquet")
MAX_HEADER_LEN = 20


class AdhocInputError(Exception):
    """The ad hoc input cannot be matched (no ID or name column, unreadable file, bad output type)."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class AdhocInput:
    frame: pl.DataFrame
    """Input rows as text, columns under their own header names, in order."""
    roles: dict[str, str]
    """name / id_number / address / birth_date → the input column holding it."""
    id_damaged: list[bool]
    """Per row: the ID cell was stored as a number (XLSX) and has lost digits."""


def _unique_headers(texts: list[str | None]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, t in enumerate(texts):
        name = (str(t).strip() if t is not None else "") or f"列{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


@functools.lru_cache(maxsize=1)
def _role_words() -> dict[str, Words]:
    """The person columns of any list, read by meaning with the lexicon's common words (the same
    words the department ingest uses), plus the birth date."""
    lexicon = load_lexicon()
    common = lexicon.words
    medical = {r: common.get(("medical_insurance", r), ()) for r in ("name", "id_number", "address")}
    return {
        "id_number": Words.of(medical["id_number"], lexicon.avoid.get("id_number", ())),
        "name": Words.of(medical["name"], lexicon.avoid.get("name", ())),
        "address": Words.of(medical["address"], lexicon.avoid.get("address", ())),
        "birth_date": Words.of(BIRTH_ALIASES),
    }


def _role_of(header: str, words: dict[str, Words] | None = None) -> str | None:
    """The role a header plays (id_number / name / address / birth_date): the best-scoring one at or
    above the acceptance score, or None."""
    if len(str(header)) > MAX_HEADER_LEN:  # a title line that mentions 身份证号 is not a header
        return None
    words = words or _role_words()
    scored = sorted(((header_score(header, w), role) for role, w in words.items()), reverse=True)
    return scored[0][1] if scored and scored[0][0] >= ACCEPT else None


PERSON_LIST = Source(
    name="person_list",
    department="",
    meaning="任意名单中的一个人",
    fields=(
        Field("id_number", "身份证号", type="id_number"),
        Field("name", "姓名", type="name"),
        Field("address", "地址"),
        Field("birth_date", "出生日期", type="date"),
    ),
    natural_key=(),
)
"""Any list an officer hands over, read with the ingest's header reader (pipelines.ingest.header)."""


def read_input(path: Path, id_col: str | None = None, name_col: str | None = None) -> AdhocInput:
    """The first sheet whose header (within the first rows) names an ID or a name column, read by the
    same header reader as department files (title rows, two-row headers, values confirming types)."""
    from pipelines.ingest.tables import read_any, read_header

    try:
        sheets = read_any(path)
    except Exception as exc:  # the readers raise one class per failure; all mean "cannot read"
        raise AdhocInputError(path, f"cannot read the file: {exc}") from exc
    wanted = {c for c in (id_col, name_col) if c}
    for sheet in sheets:
        if sheet.skip_reason:
            continue
        grid = sheet.grid
        cols = [c for c in grid.columns if c != "row_no"]
        reading = read_header(grid, PERSON_LIST, words=_role_words(), min_fields=1)
        roles: dict[str, str] = {}
        if reading is not None:
            last = reading.pos + reading.used - 1
            texts = reading.texts
            if reading.used == 1:
                row = grid.row(last, named=True)
                texts = {c: str(v) for c, v in row.items() if c != "row_no" and v is not None}
            headers = _unique_headers([texts.get(c) for c in cols])
            by_col = dict(zip(cols, headers, strict=True))
            roles = {f: by_col[c] for c, (f, _) in reading.columns.items()}
        elif wanted:
            # the officer named the columns (--id-col/--name-col): the header is the row holding them
            found = next(
                (
                    (i, hs)
                    for i, r in enumerate(grid.head(HEADER_SCAN_ROWS).iter_rows(named=True))
                    if wanted <= set(hs := _unique_headers([r[c] for c in cols]))
                ),
                None,
            )
            if found is None:
                continue
            last, headers = found
        else:
            continue
        if id_col:
            roles["id_number"] = id_col
        if name_col:
            roles["name"] = name_col
        if (wanted and not wanted <= set(headers)) or not ({"id_number", "name"} & set(roles)):
            continue
        body = grid.slice(last + 1)
        frame = body.select([pl.col(c).alias(h) for c, h in zip(cols, headers, strict=True)])
        keep = frame.select(pl.any_horizontal(pl.all().is_not_null() & (pl.all().str.strip_chars() != "")))
        mask = keep.to_series().fill_null(False)
        frame, body = frame.filter(mask), body.filter(mask)
        damaged: list[bool] = [False] * frame.height
        if "id_number" in roles and sheet.numeric_cells:
            idx = headers.index(roles["id_number"])
            numeric = {r for r, c in sheet.numeric_cells if c == idx}
            damaged = [r in numeric for r in body.get_column("row_no").to_list()]
        return AdhocInput(frame=frame, roles=roles, id_damaged=damaged)
    if wanted:
        raise AdhocInputError(
            path, f"column(s) {sorted(wanted)} not found in the first {HEADER_SCAN_ROWS} rows"
        )
    raise AdhocInputError(
        path,
        "neither an ID number column nor a name column was found | 未找到身份证号列或姓名列; "
        f"ID headers read like {'/'.join(_role_words()['id_number'].words[:4])}…; "
        f"name headers like {'/'.join(_role_words()['name'].words[:4])}…; "
        "or name them with --id-col / --name-col",
    )


def match_input(data: AdhocInput, persons: pl.DataFrame) -> pl.DataFrame:
    """The input frame with the match columns appended (suffix `_match` where a name clashes)."""
    f = data.frame
    rows = pl.DataFrame(
        {
            "row_key": [f"{i:09d}" for i in range(f.height)],
            "name": f.get_column(data.roles["name"]) if "name" in data.roles else [None] * f.height,
            "id_number": f.get_column(data.roles["id_number"])
            if "id_number" in data.roles
            else [None] * f.height,
            "id_damaged": data.id_damaged,
            "address": f.get_column(data.roles["address"]) if "address" in data.roles else [None] * f.height,
            "named_head": ["户主" in data.roles.get("name", "")] * f.height,
        },
        schema={
            "row_key": pl.String,
            "name": pl.String,
            "id_number": pl.String,
            "id_damaged": pl.Boolean,
            "address": pl.String,
            "named_head": pl.Boolean,
        },
    )
    if "birth_date" in data.roles:
        rows = rows.with_columns(
            f.get_column(data.roles["birth_date"])
            .str.replace_all(r"[年月./]", "-")
            .str.replace(r"日$", "")
            .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
            .alias("birth_date")
        )
    result = match_rows_detailed(rows, persons)
    decided = result.decisions.join(_candidate_columns(result.candidates, persons), on="row_key", how="left")
    place = ("township", "village", "household_type", "monitoring_type")
    who = persons.select(
        "person_id",
        pl.col("name").alias("matched_name"),
        *(pl.col(c) for c in place if c in persons.columns),
    )
    out = rows.select("row_key").join(decided, on="row_key", how="left").join(who, on="person_id", how="left")
    for c in place:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    appended = out.select(list(APPENDED))
    rename = {c: c + CLASH_SUFFIX for c in APPENDED if c in f.columns}
    return pl.concat([f, appended.rename(rename)], how="horizontal")


def for_people(result: pl.DataFrame, input_columns: list[str]) -> pl.DataFrame:
    """The matched frame as an officer reads it: the appended columns under Chinese headers (户编号 …,
    suffixed （比对） where the input has a column of that name) and status and method in words. The input's
    own columns are untouched."""
    appended = result.columns[len(input_columns) :]
    rename: dict[str, str] = {}
    for name in appended:
        key = name.removesuffix(CLASH_SUFFIX)
        zh = APPENDED_ZH.get(key, name)
        rename[name] = zh + CLASH_SUFFIX_ZH if zh in input_columns else zh
    words = {"match_status": STATUS_ZH, "match_method": METHOD_ZH}
    return result.with_columns(
        pl.col(name).replace_strict(words[name.removesuffix(CLASH_SUFFIX)], default=pl.col(name))
        for name in appended
        if name.removesuffix(CLASH_SUFFIX) in words
    ).rename(rename)


def _candidate_columns(candidates: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Per row sent to review: `candidates` — who it may be, best first (人编号 姓名 乡镇村组：why) — and
    `candidate_ids` (人编号 joined by ';', for a reviewer's filter or a script)."""
    place = [pl.col(c).cast(pl.String).fill_null("") for c in ("township", "village") if c in persons.columns]
    if "group" in persons.columns:  # a registry may write the group as a bare number
        group = pl.col("group").cast(pl.String).fill_null("")
        place.append(pl.when(group.str.contains(r"^\d+$")).then(group + "组").otherwise(group))
    who = persons.select(
        "person_id",
        pl.col("name").alias("_name"),
        (pl.concat_str(place) if place else pl.lit("")).alias("_place"),
    )
    top = candidates.filter(pl.col("rank") <= MAX_CANDIDATES).join(who, on="person_id", how="left")
    line = (
        pl.col("rank").cast(pl.String) + ". " + pl.col("person_id") + " " + pl.col("_name").fill_null("")
        + " " + pl.col("_place") + "：" + pl.col("candidate_note").fill_null("").str.replace(r"（登记为[^）]*）$", "")
    )  # fmt: skip
    listed = (
        top.sort("row_key", "rank")
        .group_by("row_key", maintain_order=True)
        .agg(
            line.str.join("；").alias("candidates"), pl.col("person_id").str.join(";").alias("candidate_ids")
        )
    )
    more = candidates.group_by("row_key").agg((pl.len().cast(pl.Int64) - MAX_CANDIDATES).alias("_more"))
    return listed.join(more, on="row_key", how="left").select(
        "row_key",
        pl.when(pl.col("_more") > 0)
        .then(pl.col("candidates") + "；另有" + pl.col("_more").cast(pl.String) + "人")
        .otherwise(pl.col("candidates"))
        .alias("candidates"),
        "candidate_ids",
    )


def write_output(frame: pl.DataFrame, out: Path, id_columns: tuple[str, ...] = ()) -> None:
    """xlsx (formula-safe, every input cell as text) / csv (UTF-8 with BOM for Excel) / parquet."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with atomic_target(out) as tmp:  # cells that would run as formulas in Excel are neutralised
            csv_safe(frame).write_csv(tmp, include_bom=True)
    elif suffix == ".parquet":
        with atomic_target(out) as tmp:
            frame.write_parquet(tmp)
    elif suffix == ".xlsx":
        wb = AtomicWorkbook(out, {"strings_to_formulas": False, "strings_to_urls": False})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text = wb.add_format({"num_format": "@"})
        ws = wb.add_worksheet("比对结果")
        for c, name in enumerate(frame.columns):
            ws.write_string(0, c, name, head)
            wide = name.startswith(("match_evidence", "candidates", "匹配依据", "候选人"))
            width = 22 if name in id_columns else (50 if wide else 14)
            ws.set_column(c, c, width)
        for r, row in enumerate(frame.iter_rows(), start=1):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, float):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v), text)  # IDs as text: never rounded by Excel
        ws.freeze_panes(1, 0)
        wb.close()
    else:
        raise AdhocInputError(
            out, f"unsupported output type {suffix!r}; expected one of {', '.join(OUTPUT_SUFFIXES)}"
        )
