"""How big a department file may be before it is refused, so no single file can exhaust the machine.

The defaults admit a province-wide extract (50 million rows, tens of gigabytes of text) and nothing a
real department sends comes near the rest: Excel itself stops at 16,384 columns and 32,767 characters a
cell. Each limit can be set for a county's machine with an environment variable (DIXIAN_MAX_…); a file
over a limit is refused with the figure and the variable that raises it, a row with an over-long cell
is quarantined.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, fields

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 64 * GIB
    """The file as delivered (CSV text, a workbook's zip)."""
    max_inflated_bytes: int = 16 * GIB
    """An XLSX's parts once unzipped, as its directory declares them (a 3 MB zip bomb says 3 GB)."""
    max_inflated_ratio: int = 200
    """Unzipped ÷ zipped size above which an XLSX larger than 100 MB unzipped is taken for a zip bomb
    (real sheets compress 5–30×)."""
    max_columns: int = 2_000
    """Columns of one sheet (department extracts have tens; Excel stops at 16,384)."""
    max_rows: int = 60_000_000
    """Rows of one file (a province's 50 million fit)."""
    max_sheet_cells: int = 150_000_000
    """Cells of one XLSX sheet's used range (Excel's 1,048,576 rows × 143 columns): the spreadsheet reader
    allocates every cell of the rectangle, filled or not."""
    max_cell_chars: int = 32_767
    """Characters of one cell (Excel's own limit): a longer cell quarantines its row."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Limits:
        """Defaults, overridden by DIXIAN_MAX_FILE_BYTES, DIXIAN_MAX_COLUMNS … (positive integers)."""
        env = dict(os.environ) if env is None else env
        values: dict[str, int] = {}
        for f in fields(cls):
            key = env_name(f.name)
            if key in env:
                try:
                    value = int(env[key].replace("_", ""))
                except ValueError:
                    raise ValueError(f"{key}={env[key]!r}: expected a positive whole number") from None
                if value <= 0:
                    raise ValueError(f"{key}={env[key]!r}: expected a positive whole number")
                values[f.name] = value
        return cls(**values)


def env_name(field: str) -> str:
    """The environment variable of a limit: max_columns → DIXIAN_MAX_COLUMNS."""
    return "DIXIAN_" + field.upper()


@functools.lru_cache(maxsize=1)
def current() -> Limits:
    """The limits of this process (read once from the environment)."""
    return Limits.from_env()
