"""Fixtures for the conversations tests."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from conversations.models import Conversation
from conversations.services import conversation_create
from tests.factories import UserFactory


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db) -> User:
    return UserFactory()


@pytest.fixture
def user_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client


@pytest.fixture
def conversation(user) -> Conversation:
    return conversation_create(user=user, title="Weekend plans")
