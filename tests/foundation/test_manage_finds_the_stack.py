"""manage.py from the checkout finds the embedded servers a running `make dev` started, says in
one line that they are not running, and leaves DATABASE_URL / REDIS_URL alone when they are set.

The test session's own embedded servers stand in for `make dev`'s: the same code starts both, on
a data directory each."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.embedded import DEFAULT_DATA_DIR, NOT_RUNNING, running_postgres_url, use_running_stack
from tests import plugin
from tests.support.processes import BASE_DIR

SESSION_DATA_DIR = Path(os.environ["COMPANION_TEST_DATA_DIR"])
URLS = ("DATABASE_URL", "REDIS_URL")


@pytest.fixture
def unset_urls(monkeypatch):
    for name in URLS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def session_urls():
    assert plugin._stack is not None
    if plugin._stack.started != ("postgres", "redis"):
        pytest.skip("the session runs on servers given by DATABASE_URL / REDIS_URL")
    return {"DATABASE_URL": plugin._stack.database_url, "REDIS_URL": plugin._stack.redis_url}


def test_commands_find_the_running_servers_with_nothing_set(unset_urls, session_urls):
    assert use_running_stack(SESSION_DATA_DIR) is True
    assert {name: os.environ[name] for name in URLS} == session_urls


def test_urls_that_are_set_still_win(monkeypatch, unset_urls, session_urls):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal:5432/companion")
    assert use_running_stack(SESSION_DATA_DIR) is True
    assert os.environ["DATABASE_URL"] == "postgres://app@db.internal:5432/companion"
    assert os.environ["REDIS_URL"] == session_urls["REDIS_URL"]


def test_nothing_running_is_reported_and_nothing_is_set(unset_urls, tmp_path):
    assert use_running_stack(tmp_path) is False
    assert not [name for name in URLS if name in os.environ]


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in URLS and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean | env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.slow
def test_manage_py_says_in_one_line_that_make_dev_is_not_running():
    if running_postgres_url(DEFAULT_DATA_DIR):
        pytest.skip("`make dev` is running in this checkout")
    result = _manage("migrate", "--check")
    assert result.returncode == 1
    assert result.stderr.strip() == NOT_RUNNING
