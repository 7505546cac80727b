"""Svix may deliver the same message several times at once: it must take effect once."""

import json
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_erased
from tests.support.factories import UserFactory
from tests.support.webhooks import clerk_event, clerk_user, deleted_event, post_raw, signed_headers
from webhooks.models import WebhookEvent

COPIES = 30


def _post_together(deliveries: list[tuple[str, dict[str, str]]]) -> list[dict]:
    """Post signed (body, headers) deliveries from one thread each, released at once."""
    barrier = threading.Barrier(len(deliveries))
    results: list[dict] = []

    def send(body: str, headers: dict[str, str]) -> None:
        client = APIClient()
        try:
            barrier.wait()
            response = post_raw(client, body, headers)
            results.append({"status_code": response.status_code, **response.json()})
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=delivery) for delivery in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == len(deliveries)
    return results


def _deliver_together(event: dict) -> list[dict]:
    """COPIES identical deliveries (one svix-id) at once, as Svix may send them."""
    body = json.dumps(event)
    headers = signed_headers(body)
    return _post_together([(body, headers)] * COPIES)


@pytest.fixture
def erasures() -> Iterator[list[str]]:
    erased: list[str] = []

    def record(clerk_user_id: str, **kwargs: object) -> None:
        erased.append(clerk_user_id)

    user_erased.connect(record)
    yield erased
    user_erased.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_copies_of_a_creation_apply_once():
    results = _deliver_together(clerk_event("user.created", clerk_user("user_rush")))

    assert {r["status_code"] for r in results} == {200}
    assert sorted(r["duplicate"] for r in results) == [False] + [True] * (COPIES - 1)
    assert {r["status"] for r in results} == {"processed"}
    assert WebhookEvent.objects.count() == 1
    assert User.objects.filter(clerk_user_id="user_rush").count() == 1


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_copies_of_a_deletion_erase_once(erasures):
    UserFactory(clerk_user_id="user_rush")

    results = _deliver_together(deleted_event("user_rush"))

    assert {r["status_code"] for r in results} == {200}
    assert [r["duplicate"] for r in results].count(False) == 1
    assert erasures == ["user_rush"]
    assert WebhookEvent.objects.get().status == "processed"


@pytest.mark.django_db(transaction=True)
def test_updates_racing_the_creation_of_a_user_leave_the_newest_profile():
    events = [clerk_event("user.created", clerk_user("user_race", updated_at=1, first_name="v1"))]
    events += [
        clerk_event("user.updated", clerk_user("user_race", updated_at=n, first_name=f"v{n}"))
        for n in range(2, 11)
    ]
    bodies = [json.dumps(event) for event in events]

    results = _post_together([(body, signed_headers(body)) for body in bodies])

    assert {r["status_code"] for r in results} == {200}
    user = User.objects.get(clerk_user_id="user_race")
    assert (user.clerk_updated_at, user.first_name) == (10, "v10")
    assert WebhookEvent.objects.count() == 10
