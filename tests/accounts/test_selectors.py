"""The token-to-user lookup: the same user the ORM reads, preferences included, in one query."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from accounts.api.serializers import UserOutputSerializer
from accounts.models import User, UserPreferences
from accounts.selectors import user_get_by_clerk_id, user_render
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_lookup_reads_the_user_and_its_preferences_as_the_orm_does():
    stored = UserFactory(image_url="https://img.example/a.png", clerk_created_at=1_700_000_000_000)
    UserPreferences.objects.filter(user=stored).update(
        settings={"theme": "dark", "nested": {"a": [1, 2]}}, onboarding={"welcome": True}
    )
    UserFactory()  # another user is not mixed in
    with CaptureQueriesContext(connection) as queries:
        user = user_get_by_clerk_id(clerk_user_id=stored.clerk_user_id)
        preferences = user.preferences
        assert preferences.user is user
    assert len(queries) == 1
    expected = User.objects.select_related("preferences").get(pk=stored.pk)
    assert model_to_dict(user) == model_to_dict(expected)
    assert user.date_joined == expected.date_joined
    assert user._state.adding is False
    assert model_to_dict(preferences) == model_to_dict(expected.preferences)
    assert preferences.settings == {"theme": "dark", "nested": {"a": [1, 2]}}
    assert preferences.updated_at == expected.preferences.updated_at


def test_an_unknown_or_empty_clerk_id_finds_no_one():
    UserFactory(clerk_user_id="")  # a local staff account
    assert user_get_by_clerk_id(clerk_user_id="user_2nobody") is None
    assert user_get_by_clerk_id(clerk_user_id="") is None


def test_a_user_without_preferences_reads_as_none_without_another_query():
    stored = UserFactory()
    UserPreferences.objects.filter(user=stored).delete()
    user = user_get_by_clerk_id(clerk_user_id=stored.clerk_user_id)
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(User.preferences.RelatedObjectDoesNotExist),
    ):
        user.preferences  # noqa: B018
    assert len(queries) == 0


def test_users_me_renders_exactly_what_its_documented_serializer_would():
    stored = UserFactory()
    user = user_get_by_clerk_id(clerk_user_id=stored.clerk_user_id)
    assert user_render(user) == UserOutputSerializer(user).data
    stored.clerk_created_at = None
    assert user_render(stored) == UserOutputSerializer(stored).data
