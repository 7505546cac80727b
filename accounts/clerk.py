"""Verification of Clerk session tokens, independent of DRF (the websocket layer uses it too).

`verify_session_token(token)` returns the verified claims, or raises `InvalidSessionToken`
(the caller answers 401) or `SigningKeysUnavailable` (the keys could not be fetched: our outage,
answered 503 so that nobody is signed out by it).
"""

from __future__ import annotations

import binascii
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from jwt.utils import base64url_decode

from .devkeys import DEV_KEY_ID

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
LEEWAY_SECONDS = 5
REQUIRED_CLAIMS = ("exp", "iat", "sub", "sid")
SESSION_CATEGORY = "cl_B7d4PD111AAA"
IGNORE_CATEGORY = "cl_I7d4PD111III"
JWKS_CACHE_SECONDS = 300.0
JWKS_REFETCH_INTERVAL_SECONDS = 30.0
JWKS_RETRY_SECONDS = 10.0
JWKS_FETCH_TIMEOUT_SECONDS = 5.0
# Clerk ids are a prefix and base62; ours are stored in 64 characters (User.clerk_user_id).
CLERK_ID = re.compile(r"[A-Za-z0-9_]{1,64}")


class InvalidSessionToken(Exception):
    """The token is not a valid Clerk session token; the message says why in general terms."""


class SigningKeysUnavailable(Exception):
    """The signing keys could not be fetched, so no verdict is possible."""


class KeySource(Protocol):
    def key_for(self, kid: object) -> RSAPublicKey: ...


class NoKeySource:
    """Neither `CLERK_JWT_KEY` nor `CLERK_JWKS_URL` is set: nothing can be verified."""

    def key_for(self, kid: object) -> RSAPublicKey:
        raise InvalidSessionToken("Session tokens cannot be verified by this server.")


class PemKeySource:
    """The instance's public key given as PEM: no network at all."""

    def __init__(self, pem: str) -> None:
        try:
            key = load_pem_public_key(pem.encode())
        except ValueError as exc:
            raise ImproperlyConfigured("CLERK_JWT_KEY is not a PEM public key.") from exc
        if not isinstance(key, RSAPublicKey):
            raise ImproperlyConfigured("CLERK_JWT_KEY is not an RSA public key.")
        self._key = key

    def key_for(self, kid: object) -> RSAPublicKey:
        return self._key


class JwksKeySource:
    """The instance's JWKS, cached for 5 minutes.

    A `kid` missing from the cache triggers one refetch, at most once per 30 s, so that tokens
    with made-up `kid`s cannot make us hammer Clerk. A failed fetch is retried after a short
    pause, and the keys already held keep working meanwhile.

    PyJWT's `PyJWKClient` fetches and parses the set here, but its own cache is off: once its
    cache has expired, a failed refetch leaves it with no keys at all (every user would get a
    503 during a short Clerk outage instead of being served by the keys already held), and its
    refetch cooldown starts only after a successful fetch, so during an outage every request
    would wait out a fetch timeout in turn, under the client's lock.
    """

    def __init__(
        self,
        *,
        url: str,
        secret_key: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        headers = {"Authorization": f"Bearer {secret_key}"} if secret_key else {}
        self._client = jwt.PyJWKClient(
            url, cache_jwk_set=False, headers=headers, timeout=JWKS_FETCH_TIMEOUT_SECONDS
        )
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetch_due_at = -math.inf
        self._refetch_allowed_at = -math.inf
        self._last_fetch_failed = False
        self._lock = threading.Lock()

    def key_for(self, kid: object) -> RSAPublicKey:
        if not isinstance(kid, str):
            raise InvalidSessionToken("The session token does not name its signing key.")
        key = self._keys.get(kid)
        if key is not None:
            # A known key stays usable while another thread refreshes the set.
            if self._clock() < self._fetch_due_at or not self._lock.acquire(blocking=False):
                return key
            try:
                return self._key_for_locked(kid)
            finally:
                self._lock.release()
        with self._lock:
            return self._key_for_locked(kid)

    def _key_for_locked(self, kid: str) -> RSAPublicKey:
        now = self._clock()
        if now >= self._fetch_due_at:
            self._fetch(now)
        elif kid not in self._keys and now >= self._refetch_allowed_at:
            self._refetch_allowed_at = now + JWKS_REFETCH_INTERVAL_SECONDS
            self._fetch(now)
        if kid in self._keys:
            return self._keys[kid]
        if self._last_fetch_failed:
            raise SigningKeysUnavailable("Clerk's signing keys could not be fetched.")
        raise InvalidSessionToken("The session token is signed by an unknown key.")

    def _fetch(self, now: float) -> None:
        try:
            signing_keys = self._client.get_signing_keys(refresh=True)
        except (jwt.PyJWTError, ValueError) as exc:
            logger.warning("Could not fetch Clerk's JWKS: %s", exc)
            self._last_fetch_failed = True
            self._fetch_due_at = now + JWKS_RETRY_SECONDS
            return
        self._keys = {
            key.key_id: key.key
            for key in signing_keys
            if key.key_id and isinstance(key.key, RSAPublicKey)
        }
        self._last_fetch_failed = False
        self._fetch_due_at = now + JWKS_CACHE_SECONDS


class SessionTokenVerifier:
    """Checks a Clerk session token against a key source and the instance's settings."""

    def __init__(
        self,
        *,
        keys: KeySource,
        issuer: str = "",
        authorized_parties: list[str] | None = None,
        accept_dev_tokens: bool = False,
    ) -> None:
        self._keys = keys
        self._accept_dev_tokens = accept_dev_tokens
        self._issuer = issuer or None
        self._authorized_parties = frozenset(authorized_parties or ())
        self._jwt = jwt.PyJWT(
            options={"require": list(REQUIRED_CLAIMS), "verify_aud": False, "verify_jti": False}
        )

    def verify(self, token: str) -> dict[str, Any]:
        header = self._header(token)
        if header.get("kid") == DEV_KEY_ID and not self._accept_dev_tokens:
            raise InvalidSessionToken("Development tokens are not accepted here.")
        key = self._keys.key_for(header.get("kid"))
        try:
            claims = self._jwt.decode(
                token, key, algorithms=[ALGORITHM], leeway=LEEWAY_SECONDS, issuer=self._issuer
            )
        except jwt.PyJWTError as exc:
            raise InvalidSessionToken(_reason(exc)) from exc
        self._check_session_claims(claims)
        return claims

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        # Only the header segment: PyJWT's own full parse runs once, in decode().
        try:
            header = json.loads(base64url_decode(token.split(".", 1)[0]))
        except (ValueError, binascii.Error, RecursionError):
            raise InvalidSessionToken("The session token is malformed.") from None
        if not isinstance(header, dict):
            raise InvalidSessionToken("The session token is malformed.")
        if header.get("alg") != ALGORITHM:
            raise InvalidSessionToken("The session token uses an unsupported algorithm.")
        if header.get("typ", "JWT") != "JWT":
            raise InvalidSessionToken("The session token has an unsupported type.")
        if header.get("cat", SESSION_CATEGORY) not in (SESSION_CATEGORY, IGNORE_CATEGORY):
            raise InvalidSessionToken("The token is not a session token.")
        return header

    def _check_session_claims(self, claims: dict[str, Any]) -> None:
        subject, session = claims["sub"], claims["sid"]
        if not (_is_clerk_id(subject) and subject.startswith("user_")):
            raise InvalidSessionToken("The session token does not name a user.")
        if not _is_clerk_id(session):
            raise InvalidSessionToken("The session token does not name a session.")
        party = claims.get("azp")
        if self._authorized_parties and not (
            isinstance(party, str) and party in self._authorized_parties
        ):
            raise InvalidSessionToken("The session token was issued to another party.")
        if claims.get("sts") == "pending":
            raise InvalidSessionToken("The session is pending.")


def _is_clerk_id(value: object) -> bool:
    return isinstance(value, str) and CLERK_ID.fullmatch(value) is not None


def _reason(exc: jwt.PyJWTError) -> str:
    match exc:
        case jwt.ExpiredSignatureError():
            return "The session token has expired."
        case jwt.ImmatureSignatureError():
            return "The session token is not valid yet."
        case jwt.MissingRequiredClaimError():
            return f"The session token lacks the '{exc.claim}' claim."
        case jwt.InvalidIssuerError():
            return "The session token comes from another issuer."
        case jwt.InvalidSignatureError():
            return "The session token signature is invalid."
        case jwt.DecodeError():
            return "The session token is malformed."
    return "The session token is invalid."


def _key_source_from_settings() -> KeySource:
    if settings.CLERK_JWT_KEY:
        return PemKeySource(settings.CLERK_JWT_KEY)
    if settings.CLERK_JWKS_URL:
        return JwksKeySource(url=settings.CLERK_JWKS_URL, secret_key=settings.CLERK_SECRET_KEY)
    return NoKeySource()


_verifier: SessionTokenVerifier | None = None
_verifier_lock = threading.Lock()


def get_verifier() -> SessionTokenVerifier:
    """The process-wide verifier, built from settings once (its key cache lives with it)."""
    global _verifier
    if _verifier is None:
        with _verifier_lock:
            if _verifier is None:
                _verifier = SessionTokenVerifier(
                    keys=_key_source_from_settings(),
                    issuer=settings.CLERK_ISSUER,
                    authorized_parties=settings.CLERK_AUTHORIZED_PARTIES,
                    accept_dev_tokens=bool(settings.CLERK_DEV_KEY_FILE),
                )
    return _verifier


@receiver(setting_changed, dispatch_uid="accounts_clerk_reset_verifier")
def _reset_verifier(*, setting: str, **kwargs: object) -> None:
    global _verifier
    if setting.startswith("CLERK_"):
        _verifier = None


def verify_session_token(token: str) -> dict[str, Any]:
    """The verified claims of a Clerk session token."""
    return get_verifier().verify(token)
