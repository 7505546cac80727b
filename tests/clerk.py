"""Clerk session tokens for tests: a test RSA key and tokens signed with it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SESSION_CATEGORY = "cl_B7d4PD111AAA"


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair standing in for a Clerk instance's signing key."""

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)

    @property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def jwk(self) -> dict[str, Any]:
        """The public key as Clerk publishes it in its JWKS."""
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**public, "kid": self.kid, "alg": "RS256", "use": "sig"}


def session_claims(sub: str) -> dict[str, Any]:
    """Claims shaped like a Clerk session token (v2), valid for the next minute."""
    now = int(time.time())
    return {
        "sub": sub,
        "sid": "sess_2abcTestSession",
        "iat": now,
        "nbf": now - 5,
        "exp": now + 60,
        "iss": "https://clerk.companion.test",
        "azp": "http://localhost:5173",
        "v": 2,
    }


def mint_token(
    key: SigningKey,
    *,
    sub: str = "user_2abcTestUser",
    header: dict[str, Any] | None = None,
    omit: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token signed by `key`; `claims` override, `omit` removes, `header` adds (None drops)."""
    payload = {k: v for k, v in (session_claims(sub) | claims).items() if k not in omit}
    headers = {"kid": key.kid, "cat": SESSION_CATEGORY} | (header or {})
    # PyJWT drops a None `typ` itself; every other None means "leave this header out".
    headers = {k: v for k, v in headers.items() if v is not None or k == "typ"}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers=headers)
