"""A request authenticated by the `__session` cookie that changes anything must come from a
trusted Origin (or Referer); Bearer tokens, which a browser never sends on its own, need none."""

import pytest
from rest_framework.test import APIClient

from accounts.models import UserPreferences
from memories.models import Memory

pytestmark = pytest.mark.django_db

SPA = "https://app.example.com"
MEMORIES = "/api/v1/memories"
PREFERENCES = "/api/v1/users/me/preferences"


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.ALLOWED_HOSTS = ["api.example.com", "testserver"]
    settings.CORS_ALLOWED_ORIGINS = [SPA]


@pytest.fixture
def cookie_client(make_token) -> APIClient:
    client = APIClient()
    client.cookies["__session"] = make_token()
    return client


FOREIGN = [
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "https://app.example.com.evil.example"},
    {"HTTP_ORIGIN": "http://app.example.com"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_REFERER": "https://evil.example/page"},
    {},
]


@pytest.mark.parametrize("headers", FOREIGN, ids=repr)
def test_a_cookie_post_from_a_foreign_or_unnamed_origin_is_a_403_and_stores_nothing(
    cookie_client, headers
):
    response = cookie_client.post(MEMORIES, {"content": "Planted"}, format="json", **headers)

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Memory.objects.exists()


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_every_unsafe_method_is_checked(cookie_client, method):
    response = getattr(cookie_client, method)(
        PREFERENCES,
        {"settings": {"theme": "dark"}},
        format="json",
        HTTP_ORIGIN="https://evil.example",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not UserPreferences.objects.filter(settings__has_key="theme").exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": SPA},
        {"HTTP_ORIGIN": "https://api.example.com"},
        {"HTTP_REFERER": f"{SPA}/memories/new"},
    ],
    ids=repr,
)
def test_a_cookie_post_from_a_trusted_origin_is_carried_out(cookie_client, headers):
    response = cookie_client.post(MEMORIES, {"content": "Mine"}, format="json", **headers)

    assert response.status_code == 201
    assert Memory.objects.get().content == "Mine"


def test_a_cookie_get_needs_no_origin(cookie_client):
    assert cookie_client.get("/api/v1/users/me").status_code == 200


def test_a_bearer_post_from_any_origin_is_carried_out(make_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token()}")

    response = client.post(
        MEMORIES, {"content": "Sent by an app"}, format="json", HTTP_ORIGIN="https://evil.example"
    )

    assert response.status_code == 201
    assert Memory.objects.filter(content="Sent by an app").exists()
