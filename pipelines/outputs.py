"""The one owner of the files Dixian writes: names built from data are made safe, every path is checked to
stay inside its output folder, and every file appears under its final name only when it is complete.

Township names, department names and file stems come from data we do not control: a registry township
`../../x` or `丁香镇/新区` must neither write outside data/out nor crash the export. And a run killed while
writing must leave complete files only, so each file is written to a hidden partial name beside its target
and renamed into place (os.replace is atomic on one file system).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from pipelines.normalize.idcard import mask_ids_in_text

MAX_COMPONENT_BYTES = 120
"""A name part taken from data is cut to this many UTF-8 bytes (40 Chinese characters): file systems
allow 255 bytes for the whole name, partial prefix and suffix included."""
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+|\s+')
PARTIAL_PREFIX = ".partial-"


class UnsafeOutputPath(ValueError):
    """A path built for an output would leave its folder (never expected once names are made safe)."""


def safe_component(text: object, fallback: str = "未命名") -> str:
    """A file-name part from data text: no path separators, control or reserved characters, no leading
    dots (hidden files, `..`), no full ID numbers, at most MAX_COMPONENT_BYTES; `fallback` when nothing
    usable is left. 丁香镇/新区 → 丁香镇_新区; ../../etc → etc."""
    s = unicodedata.normalize("NFC", str(text if text is not None else ""))
    s = mask_ids_in_text(s)
    s = _UNSAFE.sub("_", s).strip("._ ")
    s = re.sub(r"_+", "_", s)
    while len(s.encode("utf-8")) > MAX_COMPONENT_BYTES:
        s = s[:-1]
    s = s.rstrip("._ ")
    return s or fallback


def township_file_names(townships: list[str]) -> dict[str, str]:
    """Each township's file-name part: safe_component of its name, made unique in the given (sorted)
    order with _2, _3 … should two names differ only in characters a file name cannot hold."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for t in townships:
        base = safe_component(t)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        out[t] = name
    return out


def township_named_by(file_part: str, township: str) -> bool:
    """Whether a workbook's file-name part names this township (see township_file_names)."""
    safe = safe_component(township)
    return file_part in (township, safe) or re.fullmatch(re.escape(safe) + r"_\d+", file_part) is not None


def output_file(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless it is a plain file name directly inside `folder`."""
    if name != Path(name).name or name in ("", ".", "..") or name.startswith(PARTIAL_PREFIX):
        raise UnsafeOutputPath(f"output name {name!r} is not a plain file name")
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise UnsafeOutputPath(f"output {name!r} would be written outside {folder}")
    return path


def partial_path(target: Path) -> Path:
    """The hidden name a file is written under until it is complete (same folder, so the rename is atomic)."""
    return target.with_name(f"{PARTIAL_PREFIX}{os.getpid()}-{target.name}")


def remove_stale_partials(folder: Path) -> int:
    """Delete partial files a killed run left behind (their targets were never renamed into place)."""
    removed = 0
    if folder.is_dir():
        for p in folder.glob(f"{PARTIAL_PREFIX}*"):
            if p.is_file():
                p.unlink(missing_ok=True)
                removed += 1
    return removed


@contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Write to the yielded partial path; on success it replaces `target`, on any error it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class AtomicWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook that appears under its name only once close() has written all of it."""

    def __init__(self, target: str | Path, options: dict[str, Any] | None = None) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(str(partial_path(self.target)), options or {})

    def close(self) -> None:
        tmp = Path(self.filename)
        try:
            super().close()
            os.replace(tmp, self.target)
        finally:
            tmp.unlink(missing_ok=True)

    def discard(self) -> None:
        """Give up on this workbook: its partial file goes, the target (a complete earlier one, if any)
        is left as it was."""
        tmp = Path(self.filename)
        try:
            super().close()
        except Exception:
            pass
        finally:
            tmp.unlink(missing_ok=True)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection)."""


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that start like a formula get a leading apostrophe, so Excel/WPS show them as text;
    number columns are left as they are (a computed -3.5 is a number, not a formula)."""
    pattern = "^[" + "".join(re.escape(c) for c in FORMULA_PREFIXES) + "]"
    texts = [c for c, t in frame.schema.items() if t == pl.String or isinstance(t, pl.Categorical | pl.Enum)]
    frame = frame.with_columns(pl.col(texts).cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in texts
    )
    # the header row is text a spreadsheet reads too
    return frame.rename({c: "'" + c for c in frame.columns if re.match(pattern, c)})
