"""The registry export (全国防返贫监测信息系统): one row per person, household fields repeated."""

from __future__ import annotations

from pathlib import Path

from pipelines.synth.people import Population
from pipelines.synth.writers import Table, write_xlsx

REGISTRY_HEADERS: tuple[str, ...] = (
    "户编号", "人编号", "姓名", "证件号码", "性别", "出生日期", "与户主关系", "乡(镇)", "行政村", "村民小组",
    "户类型", "监测对象类别", "风险是否消除", "家庭人口数", "人均纯收入", "网格", "网格员", "联系电话",
)  # fmt: skip


def registry_path(out_dir: Path, period: str) -> Path:
    return out_dir / "registry" / f"防返贫监测对象及脱贫人口信息_{period}.xlsx"


def write_registry(pop: Population, path: Path) -> int:
    """Write every rural person (ordinary households too); returns the number of rows."""
    rows: list[list] = []
    for hh in pop.households:
        v = hh.village
        shared = [
            v.township.name, v.name, v.group_name(hh.group), hh.household_type, hh.monitoring_type,
            hh.risk_eliminated, len(hh.members), hh.income, hh.grid, hh.grid_worker, hh.phone,
        ]  # fmt: skip
        for p in hh.members:
            rows.append(
                [hh.household_id, p.person_id, p.name, p.id_number, p.sex, p.birth.isoformat(), p.relation,
                 *shared]
            )  # fmt: skip
    widths: dict[int, float] = {0: 18, 1: 18, 3: 20, 7: 9, 8: 10, 9: 14, 15: 16}
    write_xlsx(
        path, Table(list(REGISTRY_HEADERS), rows, widths=widths), constant_memory=True, sheet="监测对象"
    )
    return len(rows)
