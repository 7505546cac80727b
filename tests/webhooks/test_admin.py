import json

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from tests.support.webhooks import clerk_event, clerk_user, deliver, new_svix_id
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:webhooks_webhookevent_changelist")


def _event(
    status: str, event_type: str = "user.created", user_id: str = "user_ada"
) -> WebhookEvent:
    return WebhookEvent.objects.create(
        svix_id=new_svix_id(),
        type=event_type,
        payload=clerk_event(event_type, clerk_user(user_id)),
        status=status,
        error="IntegrityError: boom" if status == "failed" else "",
    )


def _listed(response) -> set[str]:
    return {event.svix_id for event in response.context["cl"].result_list}


def test_events_are_listed_and_filtered_by_status_and_type(admin_client):
    failed = _event("failed")
    processed = _event("processed", "user.updated")
    ignored = _event("ignored", "session.created")

    assert _listed(admin_client.get(CHANGELIST)) == {
        failed.svix_id,
        processed.svix_id,
        ignored.svix_id,
    }
    assert _listed(admin_client.get(CHANGELIST, {"status": "failed"})) == {failed.svix_id}
    assert _listed(admin_client.get(CHANGELIST, {"type": "user.updated"})) == {processed.svix_id}


def test_the_payload_is_shown_as_readable_read_only_json(admin_client):
    event = _event("processed")

    response = admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    pretty = json.dumps(event.payload, indent=2, sort_keys=True).replace('"', "&quot;")
    assert f"<pre>{pretty}</pre>" in html
    assert 'name="payload"' not in html
    assert 'name="status"' not in html


def _reprocess(admin_client, *events: WebhookEvent):
    return admin_client.post(
        CHANGELIST,
        {"action": "reprocess_failed", "_selected_action": [e.pk for e in events]},
        follow=True,
    )


def test_reprocessing_applies_failed_events_and_leaves_the_others_alone(admin_client):
    failed = _event("failed", user_id="user_failed")
    done = _event("processed", user_id="user_done")

    response = _reprocess(admin_client, failed, done)

    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("processed", "")
    assert User.objects.get(clerk_user_id="user_failed").email == "ada@example.com"
    assert not User.objects.filter(clerk_user_id="user_done").exists()
    assert "Reprocessed 1, still failing 0, left alone 1" in response.content.decode()


def test_an_event_that_fails_again_stays_failed_with_the_new_error(admin_client):
    svix_id = new_svix_id()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE accounts_user ADD CONSTRAINT test_no_ada CHECK (first_name <> 'Ada')"
        )
    assert (
        deliver(
            admin_client, clerk_event("user.created", clerk_user("user_x")), svix_id=svix_id
        ).status_code
        == 500
    )
    event = WebhookEvent.objects.get(svix_id=svix_id)

    response = _reprocess(admin_client, event)

    event.refresh_from_db()
    assert event.status == "failed"
    assert "test_no_ada" in event.error
    assert "still failing 1" in response.content.decode()
    assert not User.objects.filter(clerk_user_id="user_x").exists()
