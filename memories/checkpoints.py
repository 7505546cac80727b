"""Where the ingestion graph keeps its checkpoints: LangGraph's PostgresSaver on the project's
database, under thread id = job id. A run that dies part-way resumes from its last finished step;
a finished or failed job's checkpoints are deleted."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

_SETUP_LOCK_KEY = "memories.pipelines.checkpoint_setup"
_setup_lock = threading.Lock()
_setup_done = False


def _conninfo() -> str:
    """Django's connection settings for the default database, as a libpq string."""
    params = connection.get_connection_params()
    return make_conninfo(**{k: v for k, v in params.items() if isinstance(v, str | int)})


def _setup_once(conn: psycopg.Connection) -> None:
    """Create or migrate the checkpoint tables, once per process and one process at a time."""
    global _setup_done
    with _setup_lock:
        if _setup_done:
            return
        conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [_SETUP_LOCK_KEY])
        try:
            PostgresSaver(conn).setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [_SETUP_LOCK_KEY])
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
