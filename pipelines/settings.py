"""Paths and options, from CLI flags first, then DIXIAN_* environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from schemas.catalogue import use_county

REPO_ROOT = Path(__file__).resolve().parents[1]


def _default_rules_dir() -> Path:
    local = Path.cwd() / "rules"
    return local if local.is_dir() else REPO_ROOT / "rules"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    """Root of inbox/, registry/, out/ (default ./data)."""
    warehouse: Path
    """The DuckDB file (default <data_dir>/warehouse.duckdb)."""
    rules_dir: Path
    """Rule YAML files and parameters.yaml (default ./rules)."""
    mask_ids: bool = False
    """Mask ID numbers in township workbooks (for outputs that leave the county bureau)."""
    due_working_days: int = 15
    """Verification due date: period start + this many working days."""

    def __post_init__(self) -> None:
        # the data folder's own feeds (<data>/county/sources/*.yaml) join the catalogue every stage reads;
        # a malformed source file fails here, before any work, naming the file and the entry
        use_county(self.county_dir)

    @property
    def county_dir(self) -> Path:
        """The county's own lexicon additions and confirmed column mappings (data/county/)."""
        return self.data_dir / "county"

    @property
    def registry_dir(self) -> Path:
        return self.data_dir / "registry"

    def inbox_dir(self, period: str) -> Path:
        return self.data_dir / "inbox" / period

    def out_dir(self, period: str) -> Path:
        return self.data_dir / "out" / period

    @classmethod
    def load(
        cls,
        data_dir: str | Path | None = None,
        warehouse: str | Path | None = None,
        rules_dir: str | Path | None = None,
        mask_ids: bool | None = None,
    ) -> Settings:
        data = Path(data_dir or os.environ.get("DIXIAN_DATA") or "data").resolve()
        wh = Path(warehouse or os.environ.get("DIXIAN_WAREHOUSE") or data / "warehouse.duckdb").resolve()
        rules = Path(rules_dir or os.environ.get("DIXIAN_RULES") or _default_rules_dir()).resolve()
        mask = (
            mask_ids
            if mask_ids is not None
            else os.environ.get("DIXIAN_MASK_IDS", "") in ("1", "true", "yes")
        )
        days = int(os.environ.get("DIXIAN_DUE_WORKING_DAYS", "15"))
        return cls(data_dir=data, warehouse=wh, rules_dir=rules, mask_ids=mask, due_working_days=days)
