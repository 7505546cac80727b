"""Starts throwaway embedded PostgreSQL and Redis for the session, before Django reads settings.

Loaded with `-p tests.plugin` so that it runs ahead of pytest-django.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from config.embedded import Stack, ensure_stack

_stack: Stack | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    global _stack
    if os.environ.get("PYTEST_XDIST_WORKER") or _stack is not None:
        return
    # A short path: PostgreSQL's socket path must fit in 107 bytes.
    data_dir = Path(tempfile.mkdtemp(prefix="companion-test-"))
    _stack = ensure_stack(data_dir)
    os.environ["COMPANION_TEST_DATA_DIR"] = str(data_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _stack is not None:
        _stack.stop()
        shutil.rmtree(_stack.data_dir, ignore_errors=True)
