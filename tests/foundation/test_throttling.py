"""Throttles per user, per address and for webhooks; 429 and 503 say when to come back; the
admin login locks after repeated failures; personal answers are never cached."""

import itertools

import pytest
import redis.connection
from rest_framework.test import APIClient, APIRequestFactory

from core.api.throttles import UserThrottle
from tests.support.factories import UserFactory
from tests.support.webhooks import WEBHOOK_SECRET, clerk_event, clerk_user, deliver
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

# Per-day windows: a test never straddles a window's edge by bad luck.
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
SCHEMA = "/api/v1/schema?format=json"


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_an_authenticated_user_is_throttled_per_user(settings, client_for):
    settings.API_THROTTLE_USER = "3/day"
    settings.API_THROTTLE_ANON = "1/day"  # not the scope that applies to a signed-in user
    first, second = client_for(UserFactory()), client_for(UserFactory())

    answers = [first.get("/api/v1/users/me").status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    _assert_throttled(first.get("/api/v1/users/me"))
    assert second.get("/api/v1/users/me").status_code == 200


def test_a_throttled_write_stores_nothing(settings, client_for):
    settings.API_THROTTLE_USER = "1/day"
    user = UserFactory()
    client = client_for(user)
    assert client.post("/api/v1/memories", {"content": "One"}, format="json").status_code == 201

    _assert_throttled(client.post("/api/v1/memories", {"content": "Two"}, format="json"))
    assert list(user.memories.values_list("content", flat=True)) == ["One"]


def test_anonymous_requests_are_throttled_per_address(settings):
    settings.API_THROTTLE_ANON = "2/day"
    client, here, elsewhere = APIClient(), next(_addresses), next(_addresses)

    for _ in range(2):
        assert client.get(SCHEMA, REMOTE_ADDR=here).status_code == 200

    _assert_throttled(client.get(SCHEMA, REMOTE_ADDR=here))
    assert client.get(SCHEMA, REMOTE_ADDR=elsewhere).status_code == 200


def test_a_forged_forwarded_for_header_does_not_buy_a_new_allowance(settings):
    settings.API_THROTTLE_ANON = "1/day"
    client, here = APIClient(), next(_addresses)
    assert client.get(SCHEMA, REMOTE_ADDR=here).status_code == 200

    forged = client.get(SCHEMA, REMOTE_ADDR=here, HTTP_X_FORWARDED_FOR="203.0.113.9")

    _assert_throttled(forged)


def test_webhooks_have_a_scope_of_their_own(settings, api_client):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.API_THROTTLE_ANON = "1/day"
    settings.API_THROTTLE_WEBHOOKS = "2/day"

    api_client.defaults["REMOTE_ADDR"] = next(_addresses)

    for n in range(2):
        event = clerk_event("user.created", clerk_user(f"user_w{n}"))
        assert deliver(api_client, event).status_code == 200
    refused = deliver(api_client, clerk_event("user.created", clerk_user("user_w9")))

    _assert_throttled(refused)
    assert WebhookEvent.objects.count() == 2


def test_health_probes_are_never_throttled(settings):
    settings.API_THROTTLE_ANON = "1/day"
    here = next(_addresses)

    answers = {
        APIClient().get("/api/v1/health/live", REMOTE_ADDR=here).status_code for _ in range(3)
    }

    assert answers == {200}


def test_a_throttle_check_is_one_redis_round_trip(settings, monkeypatch):
    settings.API_THROTTLE_USER = "100/day"
    trips: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        trips.append(command)
        return send(self, command, check_health)

    request = APIRequestFactory().get("/api/v1/users/me")
    request.user = UserFactory()
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)

    allowed = UserThrottle().allow_request(request, None)

    assert allowed
    assert len(trips) == 1


def test_a_503_says_when_to_try_again(settings, api_client):
    settings.CLERK_WEBHOOK_SECRET = ""
    settings.API_RETRY_AFTER_SECONDS = 45

    response = deliver(api_client, clerk_event("user.created", clerk_user("user_x")))

    assert response.status_code == 503
    assert response["Retry-After"] == "45"


@pytest.mark.parametrize("path", ["/api/v1/users/me", "/api/v1/users/me/export"])
def test_personal_answers_are_never_stored_by_a_cache(client_for, path):
    response = client_for(UserFactory()).get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_the_admin_login_locks_after_repeated_failures(settings, client):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    boss = UserFactory(clerk_user_id="", username="boss", is_staff=True)
    boss.set_password("right-horse-9")
    boss.save()
    login = "/admin/login/?next=/admin/"

    for _ in range(3):
        client.post(login, {"username": "boss", "password": "wrong"}, REMOTE_ADDR="192.0.2.7")
    locked = client.post(
        login, {"username": "boss", "password": "right-horse-9"}, REMOTE_ADDR="192.0.2.7"
    )

    assert locked.status_code in {403, 429}
    assert "_auth_user_id" not in client.session
    elsewhere = client.post(
        login, {"username": "boss", "password": "right-horse-9"}, REMOTE_ADDR="192.0.2.8"
    )
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(boss.pk)


def test_a_flood_of_bad_tokens_from_one_address_is_throttled(settings, client_for):
    settings.API_THROTTLE_ANON = "5/day"
    settings.API_THROTTLE_USER = "100/day"
    here = next(_addresses)
    flood = APIClient(HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR=here)

    answers = [flood.get("/api/v1/users/me").status_code for _ in range(8)]

    assert answers == [401] * 5 + [429] * 3
    _assert_throttled(flood.get("/api/v1/users/me"))
    signed_in = client_for(UserFactory())  # a valid user at that address keeps their own limit
    assert signed_in.get("/api/v1/users/me", REMOTE_ADDR=here).status_code == 200


def test_requests_without_any_token_count_against_the_address_too(settings):
    settings.API_THROTTLE_ANON = "2/day"
    client, here = APIClient(), next(_addresses)

    answers = [client.get("/api/v1/memories", REMOTE_ADDR=here).status_code for _ in range(3)]

    assert answers == [401, 401, 429]
