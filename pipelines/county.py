"""The county's own names: what the workbooks call the county and the office that issues them.

Many counties merged the rural-revitalisation bureau into the agriculture and rural affairs bureau in
2024–2025 (domain.md), so the issuing office is a setting: `data/county/county.yaml`

    county: 石台县
    issuer: 石台县农业农村局

Both are optional; without the file the workbooks say 县农业农村局 and name no county.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemas.yamltext import read_county_mapping

PROFILE_FILE = "county.yaml"
DEFAULT_ISSUER = "县农业农村局"
_MAX_CHARS = 40


class CountyProfileError(ValueError):
    """county.yaml is malformed: the message names the file, the entry and what was expected."""


@dataclass(frozen=True)
class CountyProfile:
    county: str = ""
    """The county's name (石台县), or empty: then the summary's title names no county."""
    issuer: str = DEFAULT_ISSUER
    """The office the township workbooks come from (县农业农村局, 县乡村振兴局 …)."""


def load_profile(county_dir: Path) -> CountyProfile:
    """The county's names from <data>/county/county.yaml (defaults where the file or an entry is absent)."""
    path = county_dir / PROFILE_FILE
    data = read_county_mapping(path, ("county", "issuer"), CountyProfileError)
    values: dict[str, str] = {}
    for key in ("county", "issuer"):
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_CHARS:
            raise CountyProfileError(
                f"{path}: {key} must be a name of 1–{_MAX_CHARS} characters, got {value!r}"
            )
        values[key] = value.strip()
    return CountyProfile(**values)
