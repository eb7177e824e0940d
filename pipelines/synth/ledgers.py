"""Grid workers' monthly visit ledgers (网格走访台账), one workbook per township, with missed visits.

Every monitored household must be visited each month; the generator leaves a deterministic few
unvisited (the ground truth the weekly grid report is checked against) and has grid workers flag a
risk at some ordinary or poverty-exit households that are not monitored.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from pipelines.synth.people import Household, Population
from pipelines.synth.windows import Period
from pipelines.synth.writers import Table, write_xlsx

HEADERS = ["走访日期", "所属网格", "网格员", "户主姓名", "户主身份证号", "走访发现问题", "是否发现风险"]
FINDINGS_RISK = (
    "家中有人患重病住院",
    "主要劳动力外出务工失业返乡",
    "房屋漏雨存在安全隐患",
    "子女上学费用负担重",
    "养殖产业受灾损失",
)
FINDINGS_OK = ("生产生活正常", "帮扶措施已落实", "无新增困难", "收入稳定")
MISS_EVERY = 12
"""One monitored household in this many (the first, the 13th, …) misses its monthly visit."""
VISIT_SHARE = 0.6
"""Share of other households visited in the month."""
RISK_SHARE = 0.02
"""Share of visited, non-monitored households where the grid worker reports a risk."""


def _head(h: Household):
    return next((m for m in h.members if m.relation == "户主"), h.members[0])


def _visit_date(p: Period, rng: random.Random) -> date:
    return p.start + timedelta(days=rng.randrange((p.end - p.start).days + 1))


def plan_visits(pop: Population, p: Period, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """(visit rows, per-household truth)."""
    visits: list[dict] = []
    truth: list[dict] = []
    monitored_seen = 0
    for h in pop.households:
        monitored = h.segment == "monitored"
        if monitored:
            missed = monitored_seen % MISS_EVERY == 0  # deterministic: every small county has some
            monitored_seen += 1
            n = 0 if missed else rng.choice((1, 1, 2))
        else:
            n = 1 if rng.random() < VISIT_SHARE else 0
        risk = bool(n) and not monitored and rng.random() < RISK_SHARE
        head = _head(h)
        for i in range(n):
            flagged = risk and i == 0
            lower = head.id_number.endswith("X") and rng.random() < 0.5
            visits.append(
                {
                    "person_id": head.person_id,
                    "household_id": h.household_id,
                    "dirt": "lowercase_x" if lower else "clean",
                    "date": _visit_date(p, rng),
                    "township": h.township.name,
                    "grid": h.grid,
                    "worker": h.grid_worker,
                    "name": head.name,
                    "id_number": head.id_number.lower() if lower else head.id_number,
                    "finding": rng.choice(FINDINGS_RISK) if flagged else rng.choice(FINDINGS_OK),
                    "risk": "是" if flagged else "否",
                }
            )
        truth.append(
            {
                "household_id": h.household_id,
                "township": h.township.name,
                "segment": h.segment,
                "visits": n,
                "monitored_unvisited": monitored and n == 0,
                "risk_reported": risk,
            }
        )
    return visits, truth


def write_ledgers(out_dir: Path, visits: list[dict], p: Period) -> tuple[list[Path], list[list]]:
    """One XLSX per township (title row, then visits by date); returns paths and truth lines
    (source, file, row_no, true_person_id, true_household_id, dirt, name_written, id_written)."""
    paths: list[Path] = []
    lines: list[list] = []
    townships = sorted({v["township"] for v in visits})
    for township in townships:
        mine = sorted(
            (v for v in visits if v["township"] == township),
            key=lambda v: (v["date"], v["grid"], v["id_number"]),
        )
        table = Table(
            headers=HEADERS,
            rows=[
                [
                    f"{v['date']:%Y/%m/%d}",
                    v["grid"],
                    v["worker"],
                    v["name"],
                    v["id_number"],
                    v["finding"],
                    v["risk"],
                ]
                for v in mine
            ],
            title=f"{township}{p.year}年{p.month}月网格员走访台账",
            widths={0: 12, 1: 18, 4: 20, 5: 24},
        )
        path = out_dir / "inbox" / p.text / "grid_ledger" / f"{township}_网格走访台账_{p.text}.xlsx"
        write_xlsx(path, table, sheet="走访台账")
        paths.append(path)
        rel = str(path.relative_to(out_dir))
        lines += [
            [
                "grid_ledger",
                rel,
                table.first_data_row + i,
                v["person_id"],
                v["household_id"],
                v["dirt"],
                v["name"],
                v["id_number"],
            ]
            for i, v in enumerate(mine)
        ]
    return paths, lines
