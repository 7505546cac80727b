"""Starts throwaway embedded PostgreSQL and Redis for the session, before Django reads settings.

Loaded with `-p tests.plugin` so that it runs ahead of pytest-django.
"""

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

# Importing `config` sets a default settings module (for Celery); the suite's must win.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from config.embedded import Stack, ensure_stack, stop_postgres, stop_redis
from core.processes import process_alive

PREFIX = "companion-test-"
OWNER_FILE = "owner.pid"

_stack: Stack | None = None


def _reap_orphans() -> None:
    """Stop the servers of earlier sessions that were killed before they could clean up."""
    for data_dir in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = data_dir / OWNER_FILE
        if owner.exists() and not process_alive(int(owner.read_text() or 0)):
            stop_redis(data_dir)
            stop_postgres(data_dir)
            shutil.rmtree(data_dir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # lets pytest unwind and stop the servers


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    global _stack
    if _stack is not None:
        return
    _reap_orphans()
    # A short path: PostgreSQL's socket path must fit in 107 bytes.
    data_dir = Path(tempfile.mkdtemp(prefix=PREFIX))
    (data_dir / OWNER_FILE).write_text(str(os.getpid()))
    _stack = ensure_stack(data_dir)
    os.environ["COMPANION_TEST_DATA_DIR"] = str(data_dir)
    signal.signal(signal.SIGTERM, _interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _stack is not None:
        _stack.stop()
        shutil.rmtree(_stack.data_dir, ignore_errors=True)
