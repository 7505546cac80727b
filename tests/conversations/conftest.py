"""Fixtures for the conversations tests (users and clients come from tests/conftest.py)."""

import pytest

from conversations.models import Conversation
from conversations.services import conversation_create


@pytest.fixture
def conversation(user) -> Conversation:
    return conversation_create(user=user, title="Weekend plans")
