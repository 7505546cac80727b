import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.clerk import SigningKey


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


@pytest.fixture
def jwks(settings, clerk_signing_key: SigningKey) -> Iterator[JwksServer]:
    """JWKS mode: the verifier fetches the test key from a local server, with a secret key."""
    server = JwksServer()
    server.publish(clerk_signing_key)
    settings.CLERK_JWT_KEY = ""
    settings.CLERK_JWKS_URL = server.url
    settings.CLERK_SECRET_KEY = "sk_test_companion"
    settings.CLERK_ISSUER = ""
    settings.CLERK_AUTHORIZED_PARTIES = []
    yield server
    server.stop()
