"""The checkpoint tables are created once on a fresh database even when every worker process sets
them up at the same moment: LangGraph's migrations build indexes CONCURRENTLY, which wait for every
open transaction, so a process waiting for the setup must not wait inside one."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from memories import checkpoints
from tests.support.processes import wait_for

pytestmark = pytest.mark.django_db

SETTERS = 3


@pytest.fixture
def fresh_database():
    """The conninfo of an empty database on the test server, dropped afterwards."""
    name = f"checkpoints_{uuid.uuid4().hex[:12]}"
    base = checkpoints._conninfo()
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_conninfo(base, dbname=name)
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _connect(conninfo: str) -> psycopg.Connection:
    return psycopg.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)


def _setters_at_the_lock(conninfo: str, holder: psycopg.Connection) -> int:
    """Connections besides the holder's whose last statement asked for the setup lock."""
    with _connect(conninfo) as probe:
        return probe.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> %s AND query LIKE %s", [holder.info.backend_pid, "%advisory_lock%"]
        ).fetchone()["n"]  # fmt: skip


def test_processes_setting_up_at_once_on_a_fresh_database_all_succeed(fresh_database):
    holder = _connect(fresh_database)
    holder.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [checkpoints.SETUP_LOCK])
    started = threading.Barrier(SETTERS + 1)

    def set_up() -> None:
        with _connect(fresh_database) as conn:
            started.wait()
            checkpoints.checkpoint_tables_setup(conn)

    with ThreadPoolExecutor(SETTERS) as pool:
        setting_up = [pool.submit(set_up) for _ in range(SETTERS)]
        started.wait()
        wait_for(lambda: _setters_at_the_lock(fresh_database, holder) == SETTERS, timeout=10)
        holder.execute("SELECT pg_advisory_unlock_all()")
        holder.close()
        for future in setting_up:
            future.result(timeout=60)  # no DeadlockDetected
    with _connect(fresh_database) as conn:
        indexes = conn.execute("SELECT count(*) AS n FROM pg_indexes WHERE indexname LIKE "
                               "'checkpoint%%thread_id_idx'").fetchone()["n"]  # fmt: skip
    assert indexes == 3
