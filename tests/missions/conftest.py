"""Fixtures for the missions tests (users and clients come from tests/conftest.py)."""

import pytest

MISSIONS = "/api/v1/missions"
GOAL = "Help me get ready for the Porto half-marathon in March"


@pytest.fixture
def mission_sent(monkeypatch) -> list[str]:
    """Mission ids handed to the broker (the sending itself is tested with a real worker)."""
    ids: list[str] = []
    monkeypatch.setattr(
        "missions.services.sending.task_send", lambda *, name, args: ids.append(args[0]) or True
    )
    return ids
