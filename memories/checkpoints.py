"""Where the ingestion graph keeps its checkpoints: LangGraph's PostgresSaver on the project's
database, under thread id = job id. A run that dies part-way resumes from its last finished step;
a finished or failed job's checkpoints are deleted."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

SETUP_LOCK = "memories.pipelines.checkpoint_setup"
SETUP_POLL_SECONDS = 0.05
_setup_lock = threading.Lock()
_setup_done = False


def _conninfo() -> str:
    """Django's connection settings for the default database, as a libpq string."""
    params = connection.get_connection_params()
    return make_conninfo(**{k: v for k, v in params.items() if isinstance(v, str | int)})


def checkpoint_tables_setup(conn: psycopg.Connection) -> None:
    """Create or migrate the checkpoint tables, one process at a time.

    The others wait outside any transaction: the migrations build indexes CONCURRENTLY, which
    wait for every open transaction, so a process blocked in `pg_advisory_lock` would deadlock
    with the one that holds it."""
    taken = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS taken"
    while not conn.execute(taken, [SETUP_LOCK]).fetchone()["taken"]:
        time.sleep(SETUP_POLL_SECONDS)
    try:
        PostgresSaver(conn).setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [SETUP_LOCK])


def _setup_once(conn: psycopg.Connection) -> None:
    """The checkpoint tables set up, once per process."""
    global _setup_done
    with _setup_lock:
        if not _setup_done:
            checkpoint_tables_setup(conn)
            _setup_done = True


@contextmanager
def checkpointer() -> Iterator[PostgresSaver]:
    """A saver on a connection of its own (autocommit, so a job's lock outlives transactions)."""
    with psycopg.connect(
        _conninfo(), autocommit=True, prepare_threshold=0, row_factory=dict_row
    ) as conn:
        _setup_once(conn)
        yield PostgresSaver(conn)


def ingestion_checkpoints_delete(*, job_id: uuid.UUID | str) -> None:
    with checkpointer() as saver:
        saver.delete_thread(str(job_id))
