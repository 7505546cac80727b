"""Fixtures for the memories tests."""

import pytest

from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db) -> User:
    return UserFactory()
