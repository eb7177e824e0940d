"""Resident ID numbers (GB 11643-1999): check character, 15→18 upgrade, normalisation, status.

The scalar functions serve tests, the synthetic county and single values; `id_columns` is the
vectorised form the pipeline uses. A damaged number (Excel float, scientific notation) or a masked
one is never used to match, even when its remaining digits happen to pass the check.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import polars as pl

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # S mod 11 → check character

IdStatus = Literal["valid", "legacy15", "bad_check", "bad_date", "damaged", "masked", "malformed", "missing"]
USABLE_STATUSES: tuple[str, ...] = ("valid", "legacy15")
"""Statuses whose normalised number may be joined exactly."""
REPAIRABLE_STATUSES: tuple[str, ...] = ("bad_check", "bad_date")
"""Well-formed numbers that fail a check: candidates for one-digit repair, never an exact join."""


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def upgrade_15(id15: str) -> str:
    """A legacy 15-digit number as its 18-digit form ('19' before the 2-digit year + check)."""
    if len(id15) != 15 or not id15.isdigit():
        raise ValueError(f"need 15 digits, got {id15!r}")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_char(first17)


def birth_date_of(id18: str) -> date | None:
    try:
        return date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def is_valid(id18: str) -> bool:
    """Well-formed, a real birth date, and the right check character."""
    if len(id18) != 18 or not id18[:17].isdigit() or id18[17] not in "0123456789X":
        return False
    born = birth_date_of(id18)
    return born is not None and 1900 <= born.year <= date.today().year and check_char(id18[:17]) == id18[17]


def _clean(text: pl.Expr) -> pl.Expr:
    """Full-width → ASCII, drop spaces, dashes and Excel's leading apostrophe, upper-case x."""
    return text.cast(pl.String).str.normalize("NFKC").str.replace_all(r"[\s\-'‘’`]", "").str.to_uppercase()


def _check_char_expr(first17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        [first17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(WEIGHTS)]
    )
    return (total % 11).replace_strict(list(range(11)), list(CHECK_CHARS), return_dtype=pl.String)


def id_columns(text: pl.Expr, prefix: str = "id") -> list[pl.Expr]:
    """`{prefix}_norm` (18 characters or null) and `{prefix}_status` (see IdStatus) for raw ID text."""
    s = _clean(text)
    is_blank = s.is_null() | (s == "")
    is_damaged = s.str.contains(r"^\d(\.\d+)?E\+?\d+$") | s.str.contains(r"^\d{15,18}\.\d+$")
    is_masked = s.str.contains(r"\*")
    is15 = s.str.contains(r"^\d{15}$")
    is18 = s.str.contains(r"^\d{17}[\dX]$")
    first17 = (
        pl.when(is15).then(s.str.slice(0, 6) + "19" + s.str.slice(6, 9)).when(is18).then(s.str.slice(0, 17))
    )
    full = pl.when(is15).then(first17 + _check_char_expr(first17)).when(is18).then(s)
    born = full.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    date_ok = born.is_not_null() & born.dt.year().is_between(1900, date.today().year)
    check_ok = _check_char_expr(first17) == full.str.slice(17, 1)
    status = (
        pl.when(is_blank)
        .then(pl.lit("missing"))
        .when(is_damaged)
        .then(pl.lit("damaged"))
        .when(is_masked)
        .then(pl.lit("masked"))
        .when(is15 & date_ok)
        .then(pl.lit("legacy15"))
        .when(is15 | is18)
        .then(
            pl.when(~date_ok)
            .then(pl.lit("bad_date"))
            .when(~check_ok)
            .then(pl.lit("bad_check"))
            .otherwise(pl.lit("valid"))
        )
        .otherwise(pl.lit("malformed"))
    )
    norm = pl.when(status.is_in(["valid", "legacy15", "bad_check", "bad_date"])).then(full)
    return [norm.alias(f"{prefix}_norm"), status.alias(f"{prefix}_status")]


def mask_id(id_number: str | None) -> str:
    """341722********1234: for logs and for outputs that leave the county bureau."""
    if not id_number:
        return ""
    s = str(id_number)
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
