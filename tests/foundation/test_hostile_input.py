"""Hostile input is a 4xx JSON error naming the problem, never a 500, and stores nothing."""

import base64
import time

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from accounts.models import UserPreferences
from memories.models import Memory
from tests.support.asgi import asgi_post_chunked
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

MEMORIES = "/api/v1/memories"
UNSTORABLE = [r"a\u0000b", r"\ud800", r"tail \udfff", r"\udc00\ud800"]


def _post_raw(client, body: str, path: str = MEMORIES, **extra):
    return client.post(path, body, content_type="application/json", **extra)


@pytest.mark.parametrize("extra_mib", [0, 1, 8])
def test_a_body_over_djangos_own_limit_is_a_413(client_for, extra_mib):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + extra_mib * 1024 * 1024 + 1
    body = '{"content": "' + "x" * size + '"}'

    response = _post_raw(client_for(UserFactory()), body)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Memory.objects.exists()


async def _chunked_post(make_token, body: bytes) -> tuple[int, dict]:
    user = await sync_to_async(UserFactory)()
    token = make_token(sub=user.clerk_user_id, exp=int(time.time()) + 600)
    auth = (b"authorization", f"Bearer {token}".encode())
    return await asgi_post_chunked(MEMORIES, body, headers=[auth])


@pytest.mark.django_db(transaction=True)  # the ASGI handler's thread has its own connection
@pytest.mark.parametrize("size", [3 * 1024 * 1024, 8 * 1024 * 1024])
async def test_a_chunked_body_of_any_size_without_content_length_is_a_413(make_token, size):
    body = ('{"content": "' + "x" * size + '"}').encode()

    status, answer = await _chunked_post(make_token, body)

    assert (status, answer["code"]) == (413, "too_large")
    assert not await Memory.objects.aexists()


@pytest.mark.django_db(transaction=True)
async def test_a_small_chunked_body_is_read_like_any_other(make_token):
    status, answer = await _chunked_post(make_token, b'{"content": "Sent in chunks"}')

    assert status == 201
    assert answer["content"] == "Sent in chunks"


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"content": "TEXT"}', "content"),
        ('{"content": "ok", "metadata": {"a": [1, {"b": "TEXT"}]}}', "metadata"),
        ('{"content": "ok", "metadata": {"TEXT": 1}}', "metadata"),
        ('{"TEXT": "ok"}', None),
    ],
)
def test_nul_or_a_lone_surrogate_anywhere_in_a_memory_is_a_400_naming_the_field(
    client_for, text, body, field
):
    response = _post_raw(client_for(UserFactory()), body.replace("TEXT", text))

    assert response.status_code == 400
    assert response.json()["code"] == "unstorable_text"
    errors = response.json()["errors"]
    assert field in errors if field else len(errors) == 1
    assert not Memory.objects.exists()


@pytest.mark.parametrize("text", UNSTORABLE)
def test_nul_or_a_lone_surrogate_in_preferences_is_a_400_and_nothing_is_stored(client_for, text):
    user = UserFactory()
    body = '{"settings": {"theme": "TEXT"}, "onboarding": {"TEXT": true}}'.replace("TEXT", text)

    response = client_for(user).patch(
        "/api/v1/users/me/preferences", body, content_type="application/merge-patch+json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unstorable_text"
    assert not UserPreferences.objects.filter(user=user, settings__has_key="theme").exists()


@pytest.mark.parametrize("number", ["1e400", "NaN", "-Infinity", "-1e999"])
def test_numbers_json_cannot_carry_are_a_400_beside_an_escape_that_looks_unstorable(
    client_for, number
):
    # The escaped backslash makes the body look as if it might hold a lone surrogate, which
    # sends it to the second, standard-library reading: that one must refuse these as well.
    user = UserFactory()
    body = r'{"settings": {"note": "\\ud800", "n": NUMBER}}'.replace("NUMBER", number)

    response = client_for(user).patch(
        "/api/v1/users/me/preferences", body, content_type="application/merge-patch+json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not UserPreferences.objects.filter(user=user, settings__has_key="n").exists()


@pytest.mark.parametrize("number", ["1e20", "-9223372036854775808", "18446744073709551615"])
def test_numbers_stored_json_could_not_give_back_are_a_400(client_for, number):
    # PostgreSQL would keep 1e20 as a 21-digit integer, which no later read could render.
    client = client_for(UserFactory())
    body = '{"content": "Plays chess", "metadata": {"rating": NUMBER}}'.replace("NUMBER", number)

    response = _post_raw(client, body)

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["errors"])) == (
        "number_too_large",
        ["metadata"],
    )
    assert not Memory.objects.exists()
    assert client.get(MEMORIES).status_code == 200


def test_large_numbers_that_fit_are_stored_and_read_back(client_for):
    client = client_for(UserFactory())
    metadata = {"big": 9223372036854775807, "small": -1.5e18, "tiny": 1e-300}
    created = client.post(MEMORIES, {"content": "Plays chess", "metadata": metadata}, format="json")
    assert created.status_code == 201

    assert client.get(f"{MEMORIES}/{created.json()['id']}").json()["metadata"] == metadata


def test_a_huge_number_already_stored_still_reads(client_for):
    # Written before the API refused them, or by staff through the admin's JSON field.
    user = UserFactory()
    client = client_for(user)
    created = client.post(MEMORIES, {"content": "Plays chess"}, format="json").json()
    Memory.objects.filter(pk=created["id"]).update(metadata={"rating": 10**20})

    listed = client.get(MEMORIES)

    assert listed.status_code == 200
    assert listed.json()["results"][0]["metadata"] == {"rating": 10**20}


def test_an_escaped_backslash_before_u0000_is_ordinary_text(client_for):
    response = _post_raw(client_for(UserFactory()), r'{"content": "a\\u0000 is six characters"}')

    assert response.status_code == 201
    assert Memory.objects.get().content == "a\\u0000 is six characters"


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=notatime"),
        _cursor("p=2026-13-45 99:00:00"),
        _cursor("p=\x00"),
        _cursor("o=1&r=1&p=1' OR 1=1"),
        _cursor("o=-5"),
        "%%%",
        "AAAA" * 1000,
    ],
)
def test_a_tampered_cursor_is_a_400_invalid_cursor(client_for, cursor):
    response = client_for(UserFactory()).get(MEMORIES, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
@pytest.mark.parametrize("debug", [False, True])
def test_every_unknown_api_path_is_a_json_404_whatever_debug_is(client, settings, method, debug):
    settings.DEBUG = debug

    response = getattr(client, method)("/api/v1/no/such/thing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
