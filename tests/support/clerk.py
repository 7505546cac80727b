"""Clerk session tokens for tests and benches: a test RSA key, tokens signed with it, a JWKS."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class JwksServer:
    """A local stand-in for Clerk's JWKS endpoint that counts its fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.failing = False
        self.authorizations: list[str | None] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1/jwks"

    def publish(self, *keys: SigningKey) -> None:
        self.keys = [key.jwk() for key in keys]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                server.authorizations.append(self.headers.get("Authorization"))
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(503 if server.failing else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
