import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import DeletedClerkUser, User, UserPreferences
from tests.support.clerk import SigningKey, mint_token
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
CLERK_ID = "user_2abcTestUser"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, payload: dict) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


def _get(token: str | None = None, **extra) -> tuple[int, dict, str | None]:
    client = APIClient()
    if token is not None:
        extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    response = client.get(ME, **extra)
    return response.status_code, response.json(), response.headers.get("WWW-Authenticate")


def _assert_unauthorized(token: str | None = None, **extra) -> dict:
    status, body, challenge = _get(token, **extra)
    assert status == 401, body
    assert challenge == "Bearer"
    assert set(body) == {"detail", "code"}
    return body


def test_a_valid_bearer_token_gets_the_profile(make_token):
    status, body, _ = _get(make_token())
    assert status == 200
    assert body["clerk_user_id"] == CLERK_ID


def test_a_valid_session_cookie_gets_the_profile(make_token):
    client = APIClient()
    client.cookies["__session"] = make_token()
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["clerk_user_id"] == CLERK_ID


def test_a_token_3_seconds_past_exp_is_accepted_within_the_leeway(make_token):
    status, _, _ = _get(make_token(exp=int(time.time()) - 3))
    assert status == 200


@pytest.mark.parametrize(
    ("token_args", "reason"),
    [
        ({"exp": -10}, "expired"),
        ({"nbf": 30}, "not valid yet"),
        ({"iat": 30}, "not valid yet"),
        ({"omit": ("exp",)}, "'exp'"),
        ({"omit": ("sub",)}, "'sub'"),
        ({"omit": ("sid",)}, "'sid'"),
        ({"omit": ("iat",)}, "'iat'"),
        ({"sub": "org_2abc"}, "user"),
        ({"sub": 42}, "invalid"),
        ({"sid": ""}, "session"),
        ({"sts": "pending"}, "pending"),
        ({"header": {"cat": "cl_X7d4PD111XXX"}}, "not a session token"),
        ({"header": {"typ": "at+jwt"}}, "type"),
    ],
    ids=lambda value: str(value),
)
def test_a_bad_session_token_is_a_401_saying_why(make_token, token_args, reason):
    now = int(time.time())
    args = {k: now + v if k in {"exp", "nbf", "iat"} else v for k, v in token_args.items()}
    body = _assert_unauthorized(make_token(**args))
    assert reason in body["detail"]
    assert body["code"] == "authentication_failed"


def test_the_ignore_category_and_an_absent_category_are_accepted(make_token):
    assert _get(make_token(header={"cat": "cl_I7d4PD111III"}))[0] == 200
    assert _get(make_token(header={"cat": None, "typ": None}))[0] == 200


def test_a_token_from_another_issuer_is_refused_when_the_issuer_is_set(make_token, settings):
    settings.CLERK_ISSUER = "https://clerk.companion.test"
    assert _get(make_token())[0] == 200
    assert "issuer" in _assert_unauthorized(make_token(iss="https://evil.test"))["detail"]
    _assert_unauthorized(make_token(omit=("iss",)))


def test_azp_must_be_present_and_listed_when_parties_are_set(make_token, settings):
    settings.CLERK_AUTHORIZED_PARTIES = ["https://app.companion.test", "http://localhost:5173"]
    assert _get(make_token(azp="https://app.companion.test"))[0] == 200
    assert "another party" in _assert_unauthorized(make_token(azp="https://evil.test"))["detail"]
    _assert_unauthorized(make_token(omit=("azp",)))


def test_alg_none_is_refused(make_token):
    payload = json.loads(base64.urlsafe_b64decode(make_token().split(".")[1] + "=="))
    _assert_unauthorized(_unsigned({"alg": "none", "typ": "JWT"}, payload) + ".")


def test_hs256_signed_with_the_public_key_as_secret_is_refused(clerk_keys, make_token):
    payload = json.loads(base64.urlsafe_b64decode(make_token().split(".")[1] + "=="))
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": clerk_keys.kid}, payload)
    secret = clerk_keys.public_pem.encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    body = _assert_unauthorized(f"{signing_input}.{_b64(signature)}")
    assert "algorithm" in body["detail"]


def test_rs256_signed_by_another_key_is_refused(clerk_keys):
    impostor = SigningKey(SigningKey.generate("other").private_key, kid=clerk_keys.kid)
    body = _assert_unauthorized(mint_token(impostor))
    assert "signature" in body["detail"]


@pytest.mark.parametrize(
    "token", ["garbage", "a.b", "a.b.c", "....", "Zm9v.YmFy", "ey.ey.ey", "é"], ids=repr
)
def test_a_malformed_token_is_a_401(clerk_keys, token):
    _assert_unauthorized(HTTP_AUTHORIZATION=f"Bearer {token}".encode().decode("latin-1"))


def test_a_header_nested_too_deep_for_the_decoder_is_a_401_not_a_500(clerk_keys):
    _assert_unauthorized(f"{_b64(b'[' * 30_000)}.e30.c2ln")


def test_a_bearer_header_without_exactly_one_token_is_a_401(make_token):
    _assert_unauthorized(HTTP_AUTHORIZATION="Bearer")
    _assert_unauthorized(HTTP_AUTHORIZATION=f"Bearer {make_token()} extra")


def test_a_bad_header_never_falls_back_to_a_valid_cookie(make_token):
    client = APIClient()
    client.cookies["__session"] = make_token()
    response = client.get(ME, HTTP_AUTHORIZATION="Bearer garbage")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_no_token_is_a_401_with_the_bearer_challenge(clerk_keys):
    body = _assert_unauthorized()
    assert body["code"] == "not_authenticated"


def test_another_authorization_scheme_is_not_ours(make_token):
    client = APIClient()
    client.cookies["__session"] = make_token()
    response = client.get(ME, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_without_any_key_source_every_token_is_refused(make_token, settings):
    token = make_token()
    settings.CLERK_JWT_KEY = ""
    settings.CLERK_JWKS_URL = ""
    _assert_unauthorized(token)
    assert not User.objects.filter(clerk_user_id=CLERK_ID).exists()


def test_a_tombstoned_clerk_id_is_refused_and_not_recreated(make_token):
    DeletedClerkUser.objects.create(clerk_user_id=CLERK_ID)
    assert "deleted" in _assert_unauthorized(make_token())["detail"]
    assert not User.objects.filter(clerk_user_id=CLERK_ID).exists()


def test_a_deactivated_user_is_refused(make_token):
    user = UserFactory(is_active=False)
    _assert_unauthorized(make_token(sub=user.clerk_user_id))


def test_the_first_valid_token_creates_the_user_with_preferences(make_token):
    status, body, _ = _get(make_token(sub="user_2brandNew"))
    user = User.objects.get(clerk_user_id="user_2brandNew")
    assert status == 200
    assert body["id"] == user.pk
    assert UserPreferences.objects.filter(user=user).count() == 1


def test_a_known_user_is_authenticated_without_any_write(make_token):
    user = UserFactory()
    token = make_token(sub=user.clerk_user_id)
    with CaptureQueriesContext(connection) as queries:
        status, _, _ = _get(token)
    assert status == 200
    statements = [query["sql"].lstrip().split()[0].upper() for query in queries]
    assert len(statements) == 1
    assert set(statements) == {"SELECT"}, statements


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_first_requests_create_one_user(make_token):
    token = make_token(sub="user_2racing")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def first_request() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * 20
    assert User.objects.filter(clerk_user_id="user_2racing").count() == 1
    assert UserPreferences.objects.filter(user__clerk_user_id="user_2racing").count() == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "user_" + "x" * 60},
        {"sub": "user_2abc\x00"},
        {"sub": "user_2abc\ud800"},
        {"sub": "user_2abc/../admin"},
        {"sub": ["user_2abc"]},
        {"sub": {"id": "user_2abc"}},
        {"sid": "sess_" + "x" * 60},
        {"sid": "sess_\x00"},
        {"sid": 7},
        {"azp": ["https://app.example.com"]},
        {"azp": {"a": 1}},
        {"exp": "tomorrow"},
        {"iat": [1]},
        {"nbf": {"a": 1}},
    ],
    ids=repr,
)
def test_a_signed_claim_of_the_wrong_shape_or_size_is_a_401_and_creates_no_user(
    make_token, settings, claims
):
    settings.CLERK_AUTHORIZED_PARTIES = ["https://app.example.com"]
    token = make_token(**{"azp": "https://app.example.com", **claims})

    body = _assert_unauthorized(token)

    assert body["code"] == "authentication_failed"
    assert not User.objects.exists()
