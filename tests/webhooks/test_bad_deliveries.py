"""Every delivery we cannot trust is a 4xx with a reason, never a 500, and stores nothing."""

import json

import pytest
from django.core.checks import run_checks

from accounts.models import User
from tests.support.asgi import asgi_post_chunked
from tests.support.webhooks import (
    WEBHOOK_URL,
    clerk_event,
    clerk_user,
    deliver,
    new_svix_id,
    past,
    post_raw,
    signed_headers,
)
from webhooks.api.views import MAX_BODY_BYTES
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

GOOD_EVENT = clerk_event("user.created", clerk_user("user_ada"))
GOOD_BODY = json.dumps(GOOD_EVENT)
OTHER_SECRET = "whsec_" + "b3RoZXItc2VjcmV0LW9mLXRoaXJ0eS10d28tYnl0ZXM="


def _assert_nothing_stored() -> None:
    assert not WebhookEvent.objects.exists()
    assert not User.objects.exists()


def _with(headers: dict[str, str], **changes: str | None) -> dict[str, str]:
    changed = {**headers, **changes}
    return {name: value for name, value in changed.items() if value is not None}


HEADER_CASES = {
    "no headers": lambda h: {},
    "no id": lambda h: _with(h, **{"svix-id": None}),
    "no timestamp": lambda h: _with(h, **{"svix-timestamp": None}),
    "no signature": lambda h: _with(h, **{"svix-signature": None}),
    "signature without version": lambda h: _with(h, **{"svix-signature": "v1"}),
    "signature not base64": lambda h: _with(h, **{"svix-signature": "v1,abc"}),
    "signature with extra commas": lambda h: _with(h, **{"svix-signature": "v1,a,b"}),
    "unknown signature version": lambda h: _with(h, **{"svix-signature": "v9,AAAA"}),
    "timestamp not a number": lambda h: _with(h, **{"svix-timestamp": "soon"}),
    "timestamp infinite": lambda h: _with(h, **{"svix-timestamp": "1e400"}),
    "id changed after signing": lambda h: _with(h, **{"svix-id": "msg_other"}),
}


@pytest.mark.parametrize("case", HEADER_CASES)
def test_bad_signature_headers_are_a_400(api_client, case):
    headers = HEADER_CASES[case](signed_headers(GOOD_BODY))

    response = post_raw(api_client, GOOD_BODY, headers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert response.json()["detail"]
    _assert_nothing_stored()


@pytest.mark.parametrize(
    ("case", "sign"),
    [
        ("signed with another secret", lambda: {"secret": OTHER_SECRET}),
        # Timestamps taken when the test runs, not when the suite is collected.
        ("six minutes old", lambda: {"timestamp": past(6)}),
        ("six minutes ahead", lambda: {"timestamp": past(-6)}),
    ],
)
def test_a_delivery_not_signed_now_with_our_secret_is_a_400(api_client, case, sign):
    response = deliver(api_client, GOOD_EVENT, **sign())

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    _assert_nothing_stored()


def test_a_body_changed_after_signing_is_a_400(api_client):
    headers = signed_headers(GOOD_BODY)

    response = post_raw(api_client, GOOD_BODY.replace("Ada", "Eve"), headers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    _assert_nothing_stored()


def test_a_body_that_is_not_utf8_is_a_400(api_client):
    response = post_raw(api_client, b'{"type": "\xff\xfe"}', signed_headers("{}"))

    assert response.status_code == 400
    assert response.json() == {"detail": "The body is not UTF-8.", "code": "invalid_body"}
    _assert_nothing_stored()


@pytest.mark.parametrize(
    "body",
    ["not json", '{"type": "user.created", "data": {"id": NaN}}', '{"type": "user.created", '],
)
def test_a_signed_body_that_is_not_json_is_a_400(api_client, body):
    response = post_raw(api_client, body, signed_headers(body))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"
    _assert_nothing_stored()


@pytest.mark.parametrize("text", ["A\u0000da", "A\ud800da", "\udfff"])
@pytest.mark.parametrize("where", ["key", "value"])
def test_a_signed_body_with_text_postgresql_cannot_store_is_a_400_naming_the_field(
    api_client, text, where
):
    user = clerk_user("user_ada", first_name="Ada")
    user["public_metadata"] = {text: 1} if where == "key" else {"nickname": text}
    body = json.dumps(clerk_event("user.created", user))  # ASCII: the escapes as sent

    response = post_raw(api_client, body, signed_headers(body))

    assert response.status_code == 400
    assert response.json()["code"] == "unstorable_text"
    assert "data.public_metadata" in response.json()["errors"]["data"][0]
    _assert_nothing_stored()


def test_a_signed_id_too_long_to_record_is_a_400(api_client):
    response = deliver(api_client, GOOD_EVENT, svix_id="msg_" + "x" * 200)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_id"
    _assert_nothing_stored()


def _user_with(**changes: object) -> dict:
    return {**clerk_user("user_ada"), **changes}


NOT_CLERK_EVENTS = {
    "a list": ([GOOD_EVENT], "non_field_errors"),
    "no type": ({"data": {}}, "type"),
    "type not a string": ({"type": 5, "data": {}}, "type"),
    "no data": ({"type": "user.created"}, "data"),
    "data not an object": ({"type": "session.created", "data": [1]}, "data"),
    "user without id": (clerk_event("user.created", {"first_name": "Ada"}), "data"),
    "deleted user without id": (clerk_event("user.deleted", {"deleted": True}), "data"),
    "user id not a string": (clerk_event("user.updated", _user_with(id=42)), "data"),
    "user id too long": (clerk_event("user.updated", _user_with(id="user_" + "x" * 80)), "data"),
    "updated_at a string": (clerk_event("user.updated", _user_with(updated_at="5")), "data"),
    "updated_at too big": (clerk_event("user.updated", _user_with(updated_at=2**64)), "data"),
    "emails not a list": (clerk_event("user.created", _user_with(email_addresses="a@b.c")), "data"),
    "email not an object": (clerk_event("user.created", _user_with(email_addresses=["a"])), "data"),
    "username too long": (clerk_event("user.created", _user_with(username="u" * 151)), "data"),
}


@pytest.mark.parametrize("case", NOT_CLERK_EVENTS)
def test_a_signed_json_body_that_is_not_a_clerk_event_is_a_400_naming_the_field(api_client, case):
    payload, field = NOT_CLERK_EVENTS[case]

    response = deliver(api_client, payload)

    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert field in response.json()["errors"]
    _assert_nothing_stored()


def test_a_body_over_1mb_is_a_413(api_client):
    body = json.dumps(clerk_event("user.created", _user_with(padding="x" * MAX_BODY_BYTES)))

    response = post_raw(api_client, body, signed_headers(body))

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    _assert_nothing_stored()


def test_a_declared_length_over_1mb_is_a_413_before_the_body_is_read(api_client):
    response = post_raw(
        api_client, GOOD_BODY, signed_headers(GOOD_BODY), CONTENT_LENGTH=str(3 * MAX_BODY_BYTES)
    )

    assert response.status_code == 413
    _assert_nothing_stored()


def test_a_content_length_that_is_not_a_number_is_a_400(api_client):
    response = post_raw(api_client, GOOD_BODY, signed_headers(GOOD_BODY), CONTENT_LENGTH="lots")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_headers"


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 3 * MAX_BODY_BYTES])
async def test_a_chunked_body_over_1mb_is_a_413_whatever_djangos_own_limit(size):
    status, body = await asgi_post_chunked(WEBHOOK_URL, b"x" * size)

    assert status == 413
    assert body["code"] == "too_large"


def test_without_a_secret_every_delivery_is_refused_with_a_503(api_client, settings):
    settings.CLERK_WEBHOOK_SECRET = ""

    response = deliver(api_client, GOOD_EVENT)

    assert response.status_code == 503
    assert response.json()["code"] == "webhook_not_configured"
    assert "CLERK_WEBHOOK_SECRET" in response.json()["detail"]
    _assert_nothing_stored()


def test_a_malformed_secret_refuses_deliveries_too(api_client, settings):
    settings.CLERK_WEBHOOK_SECRET = "whsec_a"

    response = deliver(api_client, GOOD_EVENT, svix_id=new_svix_id())

    assert response.status_code == 503
    _assert_nothing_stored()


def _deploy_warnings() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("webhooks")]


def test_the_deploy_check_warns_when_the_secret_is_missing(settings):
    settings.CLERK_WEBHOOK_SECRET = ""
    assert _deploy_warnings() == ["webhooks.W001"]
    settings.CLERK_WEBHOOK_SECRET = "whsec_a"
    assert _deploy_warnings() == ["webhooks.W001"]


def test_the_deploy_check_is_quiet_with_a_usable_secret():
    assert _deploy_warnings() == []
