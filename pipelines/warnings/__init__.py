"""Warnings and their verification: one owner for warn.warnings, warn.verifications and their vocabulary.

- `build`: rule hits → a period's warnings (`build_warnings`), and the readers other stages use;
- `lifecycle`: new / repeated / escalated / suppressed, and confirmed / closed by an answer;
- `verifications`: the latest answer (`latest_verifications`) and the one way answers are written;
- `tables`: the table definitions; `vocab`: statuses, outcomes, severities.
"""

from pipelines.warnings.build import (
    build_warnings,
    counts_by_township_cause,
    open_before,
    open_warnings,
    period_warnings,
    screened_periods,
)
from pipelines.warnings.lifecycle import (
    LifecycleParams,
    lifecycle_params,
    measure_growth,
    months_between,
    refresh_status,
    relabel,
)
from pipelines.warnings.tables import WARNING_NAMES, ensure_warning_tables
from pipelines.warnings.verifications import (
    latest_verifications,
    latest_verifications_sql,
    record_verifications,
)
from pipelines.warnings.vocab import (
    CONFIRMED_PREFIX,
    NO_RISK,
    OPEN_STATUSES,
    OUTCOME_VALUES,
    OUTCOMES,
)

__all__ = [
    "CONFIRMED_PREFIX",
    "NO_RISK",
    "OPEN_STATUSES",
    "OUTCOMES",
    "OUTCOME_VALUES",
    "WARNING_NAMES",
    "LifecycleParams",
    "build_warnings",
    "counts_by_township_cause",
    "ensure_warning_tables",
    "latest_verifications",
    "latest_verifications_sql",
    "lifecycle_params",
    "measure_growth",
    "months_between",
    "open_before",
    "open_warnings",
    "period_warnings",
    "record_verifications",
    "refresh_status",
    "relabel",
    "screened_periods",
]
