"""delivery_table and blocking as pure functions: each status from the accounts a run leaves."""

from __future__ import annotations

from pipelines.deliveries import Expectations, blocking, delivery_table

DEPARTMENTS = {
    "medical_insurance": "医疗保障局",
    "health": "卫生健康委",
    "education": "教育局",
    "emergency": "应急管理局",
}


def _account(source, status="loaded", quarantined=0, resent_from="", message=""):
    return {
        "source": source, "file": f"inbox/x/{source}.csv", "status": status, "rows_loaded": 10,
        "rows_changed": 0, "rows_quarantined": quarantined, "resent_from": resent_from, "message": message,
    }  # fmt: skip


EXPECT = Expectations(
    {
        "medical_insurance": "monthly",
        "health": "monthly",
        "education": "quarterly",
        "emergency": "as_available",
    },
    from_file=True,
)


def _status(accounts, period="2026-11", quarter=()):
    table = delivery_table(accounts, EXPECT, period, DEPARTMENTS, quarter)
    return {r["source"]: r["status"] for r in table}, table


def test_each_status():
    status, table = _status(
        [_account("medical_insurance", quarantined=2), _account("health", "refused", message="表头无法识别")]
    )
    assert status == {
        "medical_insurance": "problems",
        "health": "refused",
        "education": "not_due",  # November: not a quarter's last month
        "emergency": "not_due",
    }
    reasons = blocking(table, [_account("medical_insurance")], DEPARTMENTS)
    assert reasons == ["卫生健康委：已接收但拒收 | health: refused"]


def test_quarterly_is_due_in_the_quarters_last_month_unless_already_received():
    accounts = [_account("medical_insurance"), _account("health")]
    assert _status(accounts, "2026-12")[0]["education"] == "missing"
    assert _status(accounts, "2026-12", quarter={"education"})[0]["education"] == "not_due"


def test_a_resend_is_not_this_periods_data_and_nothing_at_all_blocks():
    status, table = _status(
        [_account("medical_insurance", "skipped", resent_from="2026-10"), _account("health")]
    )
    assert status["medical_insurance"] == "resent"
    assert table[[r["source"] for r in table].index("medical_insurance")]["rows_loaded"] == 0
    assert blocking([], [], DEPARTMENTS) == [
        "本期收件箱中没有任何部门的数据文件 | no department file in this period's inbox"
    ]
