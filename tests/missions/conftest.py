"""Fixtures for the missions tests (users and clients come from tests/conftest.py)."""

import time
from collections.abc import Callable

import pytest

from tests.support.events import SocketEvents
from tests.support.missions import MISSIONS
from tests.support.processes import SPA

__all__ = ["ASKED", "GOAL", "MISSIONS"]

GOAL = "Help me get ready for the Porto half-marathon in March"
ASKED = "What matters most to you about this (get ready for the Porto half-marathon in March), " \
    "and by when?"  # the local agent's question about GOAL  # fmt: skip


@pytest.fixture
def mission_sent(monkeypatch) -> list[str]:
    """Mission ids handed to the broker (the sending itself is tested with a real worker)."""
    ids: list[str] = []
    monkeypatch.setattr(
        "missions.services.sending.task_send", lambda *, name, args: ids.append(args[0]) or True
    )
    return ids


@pytest.fixture
def socket_for(settings, make_token) -> Callable[..., SocketEvents]:
    """`with socket_for(user) as socket:` the user's live events as they arrive."""
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.CORS_ALLOWED_ORIGINS = [SPA]

    def open_socket(user) -> SocketEvents:
        return SocketEvents(make_token(sub=user.clerk_user_id, exp=int(time.time()) + 3600))

    return open_socket
