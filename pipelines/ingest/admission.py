"""Which files in an inbox may be opened at all, decided from the path alone before a byte is read.

Nothing in the inbox is passed over without a word: a file Dixian cannot read (WPS .et, .ods, .xlsb, a
zip, no suffix), a file in a nested folder, an Office lock file or a link that leads out of the data
folder each gets an account with its reason, shown in the run table and the county summary. A link out
of the data folder is never opened (not even hashed): a department's folder must not become a way to
read the bureau's other files.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.readers import SUPPORTED_SUFFIXES

_CONVERT = "请另存为 .xlsx 或 .csv 后重新放入 | save it as .xlsx or .csv and put it back"
_HINTS = {
    ".et": "WPS 表格格式（.et）无法读取",
    ".ett": "WPS 表格模板无法读取",
    ".ods": "OpenDocument 表格（.ods）无法读取",
    ".xlsb": "Excel 二进制工作簿（.xlsb）无法读取",
    ".numbers": "Numbers 表格无法读取",
    ".zip": "压缩包不会自动解压，请解压后放入 | archives are not unpacked; unpack it",
    ".rar": "压缩包不会自动解压，请解压后放入 | archives are not unpacked; unpack it",
    ".7z": "压缩包不会自动解压，请解压后放入 | archives are not unpacked; unpack it",
    ".gz": "压缩文件不会自动解压，请解压后放入 | compressed files are not unpacked; unpack it",
    ".doc": "Word 文档不是数据表 | a Word document is not a table",
    ".docx": "Word 文档不是数据表 | a Word document is not a table",
    ".pdf": "PDF 不是数据表，请向部门索取 Excel 版 | a PDF is not a table; ask for the Excel file",
}


@dataclass(frozen=True)
class Refusal:
    """Why a file is not opened: category (meta.batches.category), status and a bilingual message."""

    category: str
    message: str
    status: str = "refused"
    """refused (the officer has to act) or skipped (nothing to do: a lock or hidden file)."""


def admission(path: Path, confine_to: Path | None, top: Path | None = None) -> Refusal | None:
    """None when the file may be read; otherwise why not. `confine_to`: the data folder the file (after
    resolving links) must lie in; `top`: the folder the file was found in when listing a tree (a file
    deeper than one folder below it is in a nested folder)."""
    name = path.name
    if confine_to is not None:
        try:
            path.resolve().relative_to(confine_to.resolve())
        except ValueError:
            return Refusal(
                "outside_data_folder",
                "链接指向数据目录之外，未读取 | a link to a file outside the data folder; not opened "
                "(copy the file itself into the inbox)",
            )
    try:  # a dangling link, a FIFO or a device is never opened: reading a FIFO would hang the run
        regular = stat.S_ISREG(path.stat().st_mode)
    except OSError:
        regular = False
    if not regular and not path.is_dir():
        return Refusal(
            "not_a_file",
            "不是普通文件（失效的链接、管道或设备），未读取 | not a regular file (a dangling link, a pipe or a "
            "device); not opened",
        )
    if name.startswith("~$"):
        return Refusal("lock_file", "Office 临时锁定文件，已忽略 | an Office lock file, ignored", "skipped")
    if name.startswith("."):
        return Refusal("hidden_file", "隐藏文件，已忽略 | a hidden file, ignored", "skipped")
    if path.is_dir() or (top is not None and path.parent != top):
        return Refusal(
            "nested_folder",
            f"文件在下级文件夹“{path.parent.name}”中，未读取，请移到部门文件夹下 | in a nested folder; "
            "move it up into the department's folder",
        )
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix in SUPPORTED_SUFFIXES:
        return None
    hint = _HINTS.get(path.suffix.lower())
    if hint is None:
        what = f"“{path.suffix}”" if path.suffix else "无扩展名"
        hint = f"不支持的文件类型（{what}）| unsupported file type"
    if "|" not in hint:
        hint = f"{hint}，{_CONVERT}"
    supported = "/".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
    return Refusal("unsupported_format", f"{hint} (readable: {supported})")


def inbox_files(folder: Path) -> list[Path]:
    """Every entry under `folder`, nested folders included, in name order; links are listed, never
    followed into folders. The caller admits or refuses each, so none is passed over silently."""
    if not folder.is_dir():
        return []
    out: list[Path] = []
    for p in sorted(folder.iterdir()):
        if p.is_dir() and not p.is_symlink():
            out += inbox_files(p)
        else:
            out.append(p)
    return out
