"""The synthetic county: a Shitai-like registry, dirty department extracts and the ground truth.

    from pipelines.synth import generate_county
    result = generate_county(Path("data/synth"), households=30000, seed=20261, period="2026-11")

Deterministic for a seed (byte-identical files). Layout under `out_dir`:
`registry/防返贫监测对象及脱贫人口信息_{period}.xlsx`, `inbox/{period}/{source}/…` (CSV in UTF-8,
UTF-8-BOM or GBK, and XLSX), and `truth/` (extract_rows.csv, expected_warnings.csv, households.csv).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.synth.layout import (
    FILES,
    SYNTH_SOURCES,
    assign_files,
    dirty,
    drop_key_duplicates,
    undirty_key_clashes,
    write_source,
)
from pipelines.synth.ledgers import plan_visits, write_ledgers
from pipelines.synth.names import NameSampler
from pipelines.synth.people import Population, generate_population
from pipelines.synth.places import build_villages
from pipelines.synth.plants import CheckPlanner, Intent, Planner
from pipelines.synth.registry import registry_path, write_registry
from pipelines.synth.truth import (
    MONITORING_LINE,
    Warning,
    drop_unsafe_copies,
    expected_warnings,
    write_truth,
)
from pipelines.synth.windows import Period

Progress = Callable[[str], None]


@dataclass
class SynthResult:
    """What generate_county wrote, with counts."""

    out_dir: Path
    period: str
    seed: int
    registry: Path
    extracts: dict[str, list[Path]]
    truth: dict[str, Path]
    households: int
    persons: int
    rows_per_source: dict[str, int]
    """Data rows written per source (repeated rows included)."""
    planted_warnings: int
    """Hits planted on purpose (each fires; see expected_warnings for the full truth)."""
    expected_warnings: int
    intents: list[Intent] = field(default_factory=list, repr=False)
    warnings: list[Warning] = field(default_factory=list, repr=False)
    population: Population | None = field(default=None, repr=False)

    def __str__(self) -> str:
        rows = sum(self.rows_per_source.values())
        return (
            f"{self.households} households, {self.persons} persons, {rows} department rows in "
            f"{sum(len(p) for p in self.extracts.values())} files, {self.planted_warnings} planted / "
            f"{self.expected_warnings} expected warnings (period {self.period}, seed {self.seed})"
        )


def _rng(seed: int, stage: str) -> random.Random:
    # str seeds are hashed with SHA-512 by random.seed: stable across processes and PYTHONHASHSEED
    return random.Random(f"dixian-synth:{seed}:{stage}")


def _settle_incomes(pop: Population, rng: random.Random) -> None:
    """Households below the monitoring line are monitored, as the mechanism intends — except a planted
    few (about 0.5%) that the income rule INC-001 must find."""
    for h in pop.households:
        if h.segment == "monitored":
            continue
        if rng.random() < 0.005:
            h.income = rng.randrange(4000, MONITORING_LINE - 100, 10)
        elif h.income < MONITORING_LINE + 100:
            h.income = MONITORING_LINE + 100 + rng.randrange(0, 2000, 10)


def generate_county(
    out_dir: Path,
    *,
    households: int = 30000,
    seed: int = 20261,
    period: str = "2026-11",
    progress: Progress | None = None,
) -> SynthResult:
    """Generate the county into `out_dir` (created if needed) and return what was written."""
    if households < 1:
        raise ValueError(f"households must be at least 1, got {households}")
    say = progress or (lambda stage: None)
    out_dir = Path(out_dir)
    p = Period.parse(period)

    say("people")
    names = NameSampler(_rng(seed, "names"))
    villages = build_villages(_rng(seed, "places"))
    pop = generate_population(villages, households, p.end, _rng(seed, "people"), names)
    _settle_incomes(pop, _rng(seed, "income"))

    say("registry")
    reg_path = registry_path(out_dir, p.text)
    n_persons = write_registry(pop, reg_path)

    say("events")
    planner = Planner(pop, p, _rng(seed, "events"), NameSampler(_rng(seed, "stranger-names")))
    planner.plant_all()
    planner.noise_all(households)
    # water and the exclusion checks come from their own streams, so the sources above stay byte-identical
    checks = CheckPlanner(pop, p, _rng(seed, "checks"), NameSampler(_rng(seed, "check-stranger-names")))
    checks.plant_checks()
    checks.noise_checks(households)
    for source, recs in checks.records.items():
        planner.records.setdefault(source, []).extend(recs)
    planner.intents += checks.intents

    say("dirt")
    dirt_rng = _rng(seed, "dirt")
    by_source: dict[str, list] = {}
    for source in SYNTH_SOURCES:
        records = drop_key_duplicates(planner.records.get(source, []))
        assign_files(records)
        records = dirty(records, dirt_rng)
        undirty_key_clashes(records, dirt_rng)
        by_source[source] = records
    drop_unsafe_copies(by_source, p)

    say("extracts")
    extracts: dict[str, list[Path]] = {}
    truth_rows: list[list] = []
    rows_per_source: dict[str, int] = {}
    order_rng = _rng(seed, "order")
    for source in SYNTH_SOURCES:
        paths, lines = write_source(out_dir, source, by_source[source], p, order_rng)
        extracts[source] = paths
        truth_rows += lines
        rows_per_source[source] = len(lines)

    say("grid ledgers")
    visits, grid_truth = plan_visits(pop, p, _rng(seed, "ledgers"))
    ledger_paths, ledger_rows = write_ledgers(out_dir, visits, p)
    extracts["grid_ledger"] = ledger_paths
    truth_rows += ledger_rows
    rows_per_source["grid_ledger"] = len(ledger_rows)

    say("truth")
    warnings = expected_warnings(by_source, p, pop)
    grid = {g["household_id"]: g for g in grid_truth}
    truth = write_truth(out_dir / "truth", p, warnings, pop, truth_rows, grid)
    return SynthResult(
        out_dir=out_dir,
        period=p.text,
        seed=seed,
        registry=reg_path,
        extracts=extracts,
        truth=truth,
        households=len(pop.households),
        persons=n_persons,
        rows_per_source=rows_per_source,
        planted_warnings=sum(1 for i in planner.intents if i.kind == "hit"),
        expected_warnings=len(warnings),
        intents=planner.intents,
        warnings=warnings,
        population=pop,
    )


__all__ = ["FILES", "Progress", "SynthResult", "generate_county"]
