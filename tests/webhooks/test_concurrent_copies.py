"""Svix may deliver the same message several times at once: it must take effect once."""

import json
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_erased
from tests.factories import UserFactory
from tests.webhooks.conftest import clerk_event, clerk_user, deleted_event, post_raw, signed_headers
from webhooks.models import WebhookEvent

COPIES = 30


def _deliver_together(event: dict) -> list[dict]:
    """Post COPIES identical signed deliveries from as many threads, released at once."""
    body = json.dumps(event)
    headers = signed_headers(body)
    barrier = threading.Barrier(COPIES)
    results: list[dict] = []

    def send() -> None:
        client = APIClient()
        try:
            barrier.wait()
            response = post_raw(client, body, headers)
            results.append({"status_code": response.status_code, **response.json()})
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == COPIES
    return results


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
