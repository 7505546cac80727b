import secrets

import pytest
from rest_framework.test import APIClient

from accounts.clerk import (
    JWKS_CACHE_SECONDS,
    JWKS_REFETCH_INTERVAL_SECONDS,
    JWKS_RETRY_SECONDS,
    InvalidSessionToken,
    JwksKeySource,
    SigningKeysUnavailable,
)
from tests.support.clerk import SigningKey, mint_token

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


def _status(token: str) -> int:
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_verified_through_the_jwks_sends_the_secret_key_once(jwks, clerk_signing_key):
    assert _status(mint_token(clerk_signing_key)) == 200
    assert _status(mint_token(clerk_signing_key)) == 200
    assert jwks.fetches == 1
    assert jwks.authorizations == ["Bearer sk_test_companion"]


def test_a_rotated_key_is_accepted_after_exactly_one_refetch(jwks, clerk_signing_key):
    assert _status(mint_token(clerk_signing_key)) == 200
    rotated = SigningKey.generate(kid="ins_test_key_2")
    jwks.publish(clerk_signing_key, rotated)

    assert _status(mint_token(rotated)) == 200
    assert jwks.fetches == 2
    assert _status(mint_token(rotated)) == 200
    assert _status(mint_token(clerk_signing_key)) == 200
    assert jwks.fetches == 2


def test_100_random_unknown_kids_cause_at_most_two_fetches(jwks, clerk_signing_key):
    for _ in range(100):
        stranger = SigningKey(clerk_signing_key.private_key, kid=secrets.token_hex(8))
        assert _status(mint_token(stranger)) == 401
    assert jwks.fetches <= 2
    assert _status(mint_token(clerk_signing_key)) == 200
    assert jwks.fetches <= 2


def test_an_unknown_kid_after_one_refetch_is_a_401(jwks, clerk_signing_key):
    assert _status(mint_token(clerk_signing_key)) == 200
    unpublished = SigningKey.generate(kid="ins_never_published")
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {mint_token(unpublished)}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "unknown key" in response.json()["detail"]
    assert jwks.fetches == 2


@pytest.mark.parametrize("outage", ["refusing connections", "answering 503"])
def test_a_jwks_endpoint_that_is_down_is_a_503_not_a_401(jwks, clerk_signing_key, outage):
    if outage == "answering 503":
        jwks.failing = True
    else:
        jwks.stop()
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {mint_token(clerk_signing_key)}")
    assert response.status_code == 503
    assert response.json()["code"] == "authentication_unavailable"
    assert "WWW-Authenticate" not in response.headers


# --- The key cache itself, on a fake clock -------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def source(jwks, clock) -> JwksKeySource:
    return JwksKeySource(url=jwks.url, clock=clock)


def test_the_key_set_is_cached_for_five_minutes(source, jwks, clock, clerk_signing_key):
    kid = clerk_signing_key.kid
    source.key_for(kid)
    clock.now += JWKS_CACHE_SECONDS - 1
    source.key_for(kid)
    assert jwks.fetches == 1
    clock.now += 2
    source.key_for(kid)
    assert jwks.fetches == 2
    assert jwks.authorizations == [None, None]


def test_unknown_kids_refetch_at_most_once_per_30_seconds(source, jwks, clock, clerk_signing_key):
    source.key_for(clerk_signing_key.kid)
    for _ in range(5):
        with pytest.raises(InvalidSessionToken):
            source.key_for("ins_unknown")
    assert jwks.fetches == 2
    clock.now += JWKS_REFETCH_INTERVAL_SECONDS
    with pytest.raises(InvalidSessionToken):
        source.key_for("ins_unknown")
    assert jwks.fetches == 3


def test_cached_keys_keep_working_when_a_refresh_fails(source, jwks, clock, clerk_signing_key):
    key = source.key_for(clerk_signing_key.kid)
    jwks.stop()
    clock.now += JWKS_CACHE_SECONDS + 1
    assert source.key_for(clerk_signing_key.kid) is key
    with pytest.raises(SigningKeysUnavailable):
        source.key_for("ins_rotated_during_the_outage")


def test_a_failing_endpoint_is_not_hammered_and_recovers(source, jwks, clock, clerk_signing_key):
    jwks.failing = True
    for _ in range(5):
        with pytest.raises(SigningKeysUnavailable):
            source.key_for(clerk_signing_key.kid)
    assert jwks.fetches == 2  # the first fetch, then the one refetch an unknown kid allows
    jwks.failing = False
    clock.now += JWKS_RETRY_SECONDS
    assert source.key_for(clerk_signing_key.kid) is not None
    assert jwks.fetches == 3


def test_keys_that_are_not_rsa_are_never_used(jwks, source):
    jwks.keys = [{"kty": "oct", "k": "c2VjcmV0", "kid": "ins_hmac", "alg": "HS256"}]
    with pytest.raises(InvalidSessionToken):
        source.key_for("ins_hmac")
