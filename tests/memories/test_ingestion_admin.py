"""Staff see ingestion jobs and retry a failed one or fail a stuck one, through the services."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from memories.models import IngestionJob
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = reverse("admin:memories_ingestionjob_changelist")
SAID = [{"role": "user", "content": "I have a cat named Miso"}]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _job(user, **fields):
    return IngestionJob.objects.create(user=user, messages=SAID, **fields)


def _act(client, action, jobs):
    ids = [str(job.pk) for job in jobs]
    return client.post(LIST_URL, {"action": action, "_selected_action": ids}, follow=True)


def test_jobs_are_listed_by_status_and_show_messages_error_and_attempts(staff_client, user):
    failed = _job(user, status="failed", error="LLMUnavailable: down", attempts=8)
    _job(user, status="succeeded", result={"added": 1})
    listed = staff_client.get(f"{LIST_URL}?status__exact=failed").context["cl"].result_list
    assert [job.pk for job in listed] == [failed.pk]
    page = staff_client.get(reverse("admin:memories_ingestionjob_change", args=[failed.pk]))
    html = page.content.decode()
    assert "LLMUnavailable: down" in html
    assert "I have a cat named Miso" in html
    assert 'name="error"' not in html  # read-only


def test_retry_sends_a_failed_job_again_from_the_start(staff_client, user, sent):
    failed = _job(user, status="failed", error="boom", attempts=8)
    running = _job(user, status="running", attempts=1)
    response = _act(staff_client, "retry", [failed, running])
    assert "Sent 1 failed jobs again." in response.content.decode()
    failed.refresh_from_db()
    running.refresh_from_db()
    assert (failed.status, failed.error, failed.attempts, failed.finished_at) == (
        "queued", "", 0, None)  # fmt: skip
    assert failed.enqueued_at is not None
    assert sent == [str(failed.pk)]
    assert running.status == "running"


def test_fail_stops_an_unfinished_job_and_leaves_finished_ones(staff_client, user):
    stuck = _job(user, status="running", attempts=3)
    done = _job(user, status="succeeded")
    _act(staff_client, "fail", [stuck, done])
    stuck.refresh_from_db()
    done.refresh_from_db()
    assert (stuck.status, stuck.error) == ("failed", "failed by staff")
    assert stuck.finished_at is not None
    assert done.status == "succeeded"


def test_staff_who_may_only_view_jobs_get_no_actions(client, user):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ingestionjob"))
    client.force_login(viewer)
    failed = _job(user, status="failed")
    assert client.get(LIST_URL).status_code == 200
    _act(client, "retry", [failed])
    failed.refresh_from_db()
    assert failed.status == "failed"
