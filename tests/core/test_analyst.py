from pipelines.analyst import create_views, open_published, publish
from pipelines.warehouse import connect

VIEWS = {
    "households",
    "persons",
    "department_facts",
    "warnings",
    "verifications",
    "rule_precision",
    "data_quality",
    "quarantine",
    "runs",
}


def _empty_core(con):
    con.execute("""CREATE TABLE core.households (household_id VARCHAR, township VARCHAR, village VARCHAR, "group" VARCHAR,
        household_type VARCHAR, monitoring_type VARCHAR, segment VARCHAR, head_name VARCHAR, members BIGINT,
        income_per_capita DOUBLE, grid VARCHAR, grid_worker VARCHAR)""")
    con.execute("""CREATE TABLE core.persons (person_id VARCHAR, household_id VARCHAR, name VARCHAR, id_number VARCHAR,
        id_status VARCHAR, sex VARCHAR, birth_date DATE, relation VARCHAR, township VARCHAR, village VARCHAR,
        "group" VARCHAR, segment VARCHAR)""")


def test_views_exist_even_before_any_department_data():
    con = connect(":memory:")
    _empty_core(con)
    assert set(create_views(con)) == VIEWS
    for view in VIEWS:
        assert con.sql(f"SELECT count(*) FROM analyst.{view}").fetchall() == [(0,)]


def _add_warning(path, n):
    with connect(path) as con:
        con.execute(
            "INSERT INTO warn.warnings (warning_id, period, household_id, rule_id, township) VALUES (?, '2026-11', ?, 'ILL-001', '仁里镇')",
            [f"w{n}", f"H{n}"],
        )


def test_an_open_analyst_session_neither_blocks_a_run_nor_sees_half_of_one(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    with connect(wh) as con:
        _empty_core(con)
    _add_warning(wh, 1)
    publish(wh)
    reader = open_published(wh)
    assert reader.sql("SELECT count(*) FROM analyst.warnings").fetchall() == [(1,)]
    _add_warning(wh, 2)  # the flow writes while the analyst is connected…
    publish(wh)  # …and publishes without waiting for the reader
    assert reader.sql("SELECT count(*) FROM analyst.warnings").fetchall() == [(1,)]  # the old run, whole
    reader.close()
    with open_published(wh) as fresh:
        assert fresh.sql("SELECT count(*) FROM analyst.warnings").fetchall() == [(2,)]


def test_second_writer_gets_a_clear_message(tmp_path):
    import subprocess
    import sys

    wh = tmp_path / "warehouse.duckdb"
    holder = connect(wh)
    code = (
        "import sys, time\nfrom pipelines.warehouse import connect, WarehouseBusy\nt = time.monotonic()\n"
        f"try:\n    connect({str(wh)!r}, wait=1)\nexcept WarehouseBusy as e:\n"
        "    print('BUSY', round(time.monotonic() - t, 1), e); sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    holder.close()
    assert out.returncode == 3, out.stderr
    assert "in use by another process" in out.stdout
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stdout  # says once that it waits, then gives up with the reason
    waiting, busy = lines
    assert "等待中" in waiting and waiting.endswith(f"| {wh} is in use by another process; waiting")
    _, waited, message = busy.split(" ", 2)
    assert 1.0 <= float(waited) < 10  # it waited the second it was given, not the default minute
    # the message names the warehouse and the way out
    assert message.startswith(f"{wh} is in use by another process (another run, or an open analyst session)")
    assert "wait for it to finish, or read the published copy instead" in message


def test_a_writer_waits_for_a_reader_that_lets_go(tmp_path):
    """A stage no longer fails because someone opened the warehouse between two stages: it waits."""
    import subprocess
    import sys
    import time

    wh = tmp_path / "warehouse.duckdb"
    connect(wh).close()
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(wh)!r}, read_only=True); print('open', flush=True); time.sleep(2)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
    started = time.monotonic()
    con = connect(wh, wait=30)
    waited = time.monotonic() - started
    con.close()
    reader.wait(timeout=30)
    assert waited > 0.5  # it did wait for the reader, and then got the warehouse
