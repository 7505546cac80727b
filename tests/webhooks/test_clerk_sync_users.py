"""`clerk_sync_users` against a small local fake of Clerk's Backend API."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from accounts.models import DeletedClerkUser, User
from tests.support.factories import UserFactory
from tests.support.webhooks import clerk_user

pytestmark = pytest.mark.django_db

SECRET_KEY = "sk_test_fake_backend_key"


class FakeClerk(ThreadingHTTPServer):
    """Serves `GET /v1/users` from `users`, the way Clerk pages them, and records each request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeClerkHandler)
        self.users: list[Any] = []
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FakeClerkHandler(BaseHTTPRequestHandler):
    server: FakeClerk

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.server.requests.append(
            {"path": url.path, "query": query, "auth": self.headers.get("Authorization")}
        )
        if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return self._answer(401, {"errors": [{"code": "authentication_invalid"}]})
        if self.server.fail_with:
            return self._answer(self.server.fail_with, {"errors": [{"code": "unavailable"}]})
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 10))
        return self._answer(200, self.server.users[offset : offset + limit])

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_clerk(settings) -> Iterator[FakeClerk]:
    server = FakeClerk()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.CLERK_API_URL = server.url
    settings.CLERK_SECRET_KEY = SECRET_KEY
    yield server
    server.shutdown()
    server.server_close()


def _sync(*args: str) -> str:
    out = StringIO()
    call_command("clerk_sync_users", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_pages_through_every_user_with_the_secret_key(fake_clerk):
    fake_clerk.users = [
        clerk_user(f"user_{n}", email=f"p{n}@example.com", username=f"p{n}") for n in range(5)
    ]

    output = _sync("--page-size", "2")

    assert [r["query"]["offset"] for r in fake_clerk.requests] == ["0", "2", "4"]
    assert {r["query"]["limit"] for r in fake_clerk.requests} == {"2"}
    assert {r["path"] for r in fake_clerk.requests} == {"/v1/users"}
    assert {r["auth"] for r in fake_clerk.requests} == {f"Bearer {SECRET_KEY}"}
    emails = dict(User.objects.values_list("clerk_user_id", "email"))
    assert emails == {f"user_{n}": f"p{n}@example.com" for n in range(5)}
    assert "Synced 5 Clerk users: 5 applied" in output


def test_a_full_last_page_is_followed_by_an_empty_one(fake_clerk):
    fake_clerk.users = [clerk_user(f"user_{n}", username=f"p{n}") for n in range(4)]

    _sync("--page-size", "2")

    assert [r["query"]["offset"] for r in fake_clerk.requests] == ["0", "2", "4"]
    assert User.objects.count() == 4


def test_it_keeps_newer_profiles_deleted_users_and_skips_invalid_ones(fake_clerk):
    UserFactory(clerk_user_id="user_newer", first_name="Fresh", clerk_updated_at=5_000)
    DeletedClerkUser.objects.create(clerk_user_id="user_deleted")
    fake_clerk.users = [
        clerk_user("user_newer", updated_at=1_000, first_name="Stale", username="a"),
        clerk_user("user_deleted", username="b"),
        {"id": 42},
        clerk_user("user_fresh", username="c"),
    ]

    output = _sync()

    assert User.objects.get(clerk_user_id="user_newer").first_name == "Fresh"
    assert not User.objects.filter(clerk_user_id="user_deleted").exists()
    assert User.objects.filter(clerk_user_id="user_fresh").exists()
    assert "1 applied, 1 stale, 1 tombstoned, 1 invalid" in output


def test_an_api_error_stops_with_the_status(fake_clerk):
    fake_clerk.fail_with = 503

    with pytest.raises(CommandError, match="503"):
        _sync()


def test_a_wrong_secret_key_is_reported(fake_clerk, settings):
    settings.CLERK_SECRET_KEY = "sk_test_wrong"

    with pytest.raises(CommandError, match="401"):
        _sync()
    assert not User.objects.exists()


def test_it_refuses_to_run_without_a_secret_key(settings):
    settings.CLERK_SECRET_KEY = ""

    with pytest.raises(CommandError, match="CLERK_SECRET_KEY"):
        _sync()


def test_an_unreachable_api_is_reported(settings):
    settings.CLERK_SECRET_KEY = SECRET_KEY
    settings.CLERK_API_URL = "http://127.0.0.1:9"

    with pytest.raises(CommandError, match="failed"):
        _sync()


def test_progress_counts_the_users_synced_when_not_on_a_terminal(fake_clerk, settings, capsys):
    settings.COMMAND_PROGRESS_SECONDS = 0
    fake_clerk.users = [clerk_user("user_progress_a"), clerk_user("user_progress_b")]
    assert "Synced 2 Clerk users" in _sync()
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["clerk sync: 1 users", "clerk sync: 2 users",
                                                       "clerk sync: 2 users"]  # fmt: skip
    assert lines[-1].endswith(", done")
