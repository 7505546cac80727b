import json
import threading

import pytest
from django.db import connection

from accounts.models import UserPreferences
from accounts.services import PREFERENCES_MAX_BYTES
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
PREFERENCES = "/api/v1/users/me/preferences"


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def client(client_for, user):
    return client_for(user)


def _patch(client, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.patch(PREFERENCES, data, content_type=content_type)


def test_me_returns_the_profile_and_preferences(client, user):
    UserPreferences.objects.filter(user=user).update(settings={"theme": "dark"})
    user.clerk_created_at = 1_700_000_000_000
    user.save()

    body = client.get(ME).json()

    assert body == {
        "id": user.pk,
        "clerk_user_id": user.clerk_user_id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": "",
        "created_at": 1_700_000_000_000,
        "preferences": {
            "settings": {"theme": "dark"},
            "onboarding": {},
            "updated_at": body["preferences"]["updated_at"],
        },
    }


def test_created_at_falls_back_to_when_we_first_saw_the_user(client, user):
    assert client.get(ME).json()["created_at"] == int(user.date_joined.timestamp() * 1000)


def test_objects_merge_and_null_removes_a_key(client):
    first = {"theme": "dark", "voice": {"name": "aria", "speed": 1.0}, "tags": [1, 2]}
    _patch(client, {"settings": first, "onboarding": {"welcome_seen": True}})

    response = _patch(client, {"settings": {"voice": {"speed": None, "pitch": 2}, "tags": [3]}})

    assert response.status_code == 200
    assert response.json()["settings"] == {
        "theme": "dark",
        "voice": {"name": "aria", "pitch": 2},
        "tags": [3],
    }
    assert response.json()["onboarding"] == {"welcome_seen": True}
    response = _patch(client, {"onboarding": {"welcome_seen": None, "tour_done": False}})
    assert response.json()["onboarding"] == {"tour_done": False}
    assert client.get(ME).json()["preferences"]["onboarding"] == {"tour_done": False}


def test_null_for_a_whole_object_empties_it(client):
    _patch(client, {"settings": {"theme": "dark"}, "onboarding": {"welcome_seen": True}})
    response = _patch(client, {"settings": None})
    assert response.json()["settings"] == {}
    assert response.json()["onboarding"] == {"welcome_seen": True}


def test_the_merge_patch_media_type_is_accepted(client):
    response = _patch(client, {"settings": {"a": 1}}, "application/merge-patch+json")
    assert response.status_code == 200
    assert response.json()["settings"] == {"a": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"settings": ["dark"]}, "settings"),
        ({"settings": "dark"}, "settings"),
        ({"onboarding": 1}, "onboarding"),
        ({"onboarding": {"welcome_seen": "yes"}}, "onboarding"),
        ({"theme": "dark"}, "theme"),
        ([{"settings": {}}], "non_field_errors"),
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_naming_the_field(client, body, field):
    response = _patch(client, body)
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert field in response.json()["errors"]


def test_a_bad_flag_is_named_by_its_key(client):
    response = _patch(client, {"onboarding": {"ok": True, "welcome_seen": "yes"}})
    assert response.json()["errors"] == {
        "onboarding": {"welcome_seen": ["Must be true, false or null."]}
    }


@pytest.mark.parametrize("body", ['{"settings": {', "not json", '{"settings": {"a": 1,}}'])
def test_malformed_json_is_a_400_in_the_error_shape(client, body):
    response = _patch(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert set(response.json()) == {"detail", "code"}


def test_nesting_deeper_than_16_levels_is_a_400(client):
    response = _patch(client, '{"settings": ' + '{"a": ' * 17 + "1" + "}" * 17 + "}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"settings": ["Nested deeper than 16 levels."]}


def test_nesting_too_deep_for_the_json_decoder_is_a_400_never_a_500(client):
    response = _patch(client, '{"settings": {"a": ' + "[" * 30_000 + "]" * 30_000 + "}}")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_preferences_larger_than_64_kb_are_refused_and_not_stored(client, user):
    half = "x" * (PREFERENCES_MAX_BYTES // 2)
    assert _patch(client, {"settings": {"a": half}}).status_code == 200

    response = _patch(client, {"settings": {"b": half}})

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    user.preferences.refresh_from_db()
    assert set(user.preferences.settings) == {"a"}


def test_a_huge_body_is_refused_before_parsing(client):
    response = _patch(client, {"settings": {"a": "x" * (3 * PREFERENCES_MAX_BYTES)}})
    assert response.status_code == 413


def test_unauthenticated_patch_is_a_401(api_client, clerk_keys):
    response = api_client.patch(PREFERENCES, {"settings": {"a": 1}}, format="json")
    assert response.status_code == 401


def test_another_user_never_sees_or_changes_my_preferences(client_for, user, client):
    other = UserFactory()
    other_client = client_for(other)
    _patch(client, {"settings": {"secret": "mine"}, "onboarding": {"welcome_seen": True}})

    other_view = other_client.get(ME).json()
    _patch(other_client, {"settings": {"secret": None, "theme": "light"}})

    assert other_view["id"] == other.pk
    assert other_view["preferences"]["settings"] == {}
    assert other_view["preferences"]["onboarding"] == {}
    assert client.get(ME).json()["preferences"]["settings"] == {"secret": "mine"}
    assert other_client.get(ME).json()["preferences"]["settings"] == {"theme": "light"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_lose_no_update(client_for, user):
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def patch(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(_patch(client_for(user), {"settings": {f"k{n}": n}}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * 10
    user.preferences.refresh_from_db()
    assert user.preferences.settings == {f"k{n}": n for n in range(10)}
