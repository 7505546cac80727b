"""A webhook body sent in chunks (no Content-Length) is read only up to the limit: past it the
answer is a 413 and the rest of the body is never read. Under the WSGI server we serve with,
a chunked body is handed on as it arrives, so the view can stop early."""

import io
import json

import pytest
from django.test.client import ClientHandler

from tests.support.webhooks import WEBHOOK_URL, clerk_event, clerk_user, signed_headers
from webhooks.api.views import MAX_BODY_BYTES
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


class CountingStream(io.RawIOBase):
    """A request body that says how much of it the server read."""

    def __init__(self, body: bytes) -> None:
        self.body, self.taken = body, 0

    def read(self, size: int = -1) -> bytes:
        size = len(self.body) - self.taken if size < 0 else size
        piece = self.body[self.taken : self.taken + size]
        self.taken += len(piece)
        return piece


def _post_chunked(stream: CountingStream, headers: dict[str, str]) -> tuple[int, dict]:
    """Django's WSGI request on a hand-made environ, as granian passes a chunked body."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": WEBHOOK_URL, "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "REMOTE_ADDR": "192.0.2.50",
        "wsgi.url_scheme": "http", "wsgi.input": stream, "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "application/json", "HTTP_TRANSFER_ENCODING": "chunked",
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }  # fmt: skip
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    return response.status_code, json.loads(response.content)


def test_a_chunked_body_past_the_limit_is_a_413_and_the_rest_is_never_read():
    stream = CountingStream(b"x" * (4 * MAX_BODY_BYTES))

    status, answer = _post_chunked(stream, signed_headers("x"))

    assert status == 413
    assert answer["code"] == "too_large"
    assert stream.taken <= MAX_BODY_BYTES + 1
    assert not WebhookEvent.objects.exists()


def test_a_chunked_delivery_within_the_limit_is_verified_and_applied():
    body = json.dumps(clerk_event("user.created", clerk_user("user_chunked")))
    stream = CountingStream(body.encode())

    status, answer = _post_chunked(stream, signed_headers(body))

    assert status == 200, answer
    assert answer["status"] == WebhookEvent.Status.PROCESSED
    assert WebhookEvent.objects.get().type == "user.created"
