"""The durable-run module itself (`core.durable`), through its real users' rows: replies (a
lease: run id and heartbeat) and ingestion jobs (owned by a session lock)."""

import datetime
import time

import pytest
from django.utils import timezone

from conversations.models import Message
from conversations.services import conversation_create, message_send, replies_resend
from conversations.services.sending import REPLY_RUNS
from core import durable
from memories.models import IngestionJob
from memories.services import ingestion_job_create
from memories.services.ingestion import INGESTION_RUNS

pytestmark = pytest.mark.django_db(transaction=True)


def _recorder(calls: list):
    def publish(*, name, args) -> bool:
        calls.append((name, list(args)))
        return True

    return publish


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, list]]:
    """What the services hand to the broker (sending itself is tested with a real worker)."""
    calls: list[tuple[str, list]] = []
    publish = _recorder(calls)
    monkeypatch.setattr("conversations.services.sending.task_send", publish)
    monkeypatch.setattr("memories.queue.task_send", publish)
    return calls


def _reply(user) -> Message:
    _, reply, _ = message_send(conversation=conversation_create(user=user), content="Hi")
    return reply


def _ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _set(row, **values) -> None:
    type(row).objects.filter(pk=row.pk).update(**values)


def test_one_run_owns_a_row_until_its_heartbeat_goes_stale(user, published, settings):
    reply = _reply(user)
    first = durable.run_claim(REPLY_RUNS, pk=reply.pk)
    assert (first.status, first.attempts) == ("streaming", 1)
    assert durable.run_claim(REPLY_RUNS, pk=reply.pk) is None
    assert durable.run_beat(REPLY_RUNS, run=first)

    _set(reply, heartbeat_at=_ago(settings.CHAT_STALE_SECONDS + 1))
    second = durable.run_claim(REPLY_RUNS, pk=reply.pk)
    assert (second.attempts, second.run_id != first.run_id) == (2, True)
    assert not durable.run_beat(REPLY_RUNS, run=first, changes={"content": "stale"})
    assert not durable.run_owned(REPLY_RUNS, run=first).exists()
    assert durable.run_beat(REPLY_RUNS, run=second, changes={"content": "fresh"})
    assert Message.objects.get(pk=reply.pk).content == "fresh"


def test_a_claim_saves_its_reset_and_a_beat_its_changes(user, published):
    reply = _reply(user)
    _set(reply, content="left by a dead run")
    run = durable.run_claim(REPLY_RUNS, pk=reply.pk, changes={"content": ""})
    assert Message.objects.get(pk=reply.pk).content == ""
    before = Message.objects.get(pk=reply.pk).heartbeat_at
    time.sleep(0.01)
    durable.run_beat(REPLY_RUNS, run=run, changes={"content": "Hel"})
    after = Message.objects.get(pk=reply.pk)
    assert (after.content, after.heartbeat_at > before) == ("Hel", True)


def test_nothing_is_claimed_that_is_finished_gone_or_not_a_run(user, published):
    reply = _reply(user)
    assert durable.run_claim(REPLY_RUNS, pk=reply.reply_to_id) is None  # the user's message
    _set(reply, status=Message.Status.COMPLETED)
    assert durable.run_claim(REPLY_RUNS, pk=reply.pk) is None
    reply.delete()
    assert durable.run_claim(REPLY_RUNS, pk=reply.pk) is None
    assert Message.objects.filter(attempts__gt=0).count() == 0


def test_a_row_owned_by_a_lock_is_taken_over_at_once(user, published):
    job, _ = ingestion_job_create(user=user, messages=[{"role": "user", "content": "I love tea."}])
    first = durable.run_claim(INGESTION_RUNS, pk=job.pk)
    second = durable.run_claim(INGESTION_RUNS, pk=job.pk)
    assert (first.attempts, second.attempts, second.status) == (1, 2, "running")


def test_a_released_row_is_claimed_at_once_by_the_next_run(user, published):
    reply = _reply(user)
    run = durable.run_claim(REPLY_RUNS, pk=reply.pk)
    assert durable.run_release(REPLY_RUNS, run=run, changes={"status": Message.Status.PENDING})
    released = Message.objects.get(pk=reply.pk)
    assert (released.status, released.run_id, released.heartbeat_at) == ("pending", None, None)
    assert not durable.run_release(REPLY_RUNS, run=run, changes={"status": "failed"})
    assert not durable.run_beat(REPLY_RUNS, run=run)
    assert durable.run_claim(REPLY_RUNS, pk=reply.pk).attempts == 2


def test_a_row_never_sent_is_due_after_the_grace(user, published, settings):
    reply = _reply(user)
    _set(reply, enqueued_at=None)
    assert list(durable.runs_due(REPLY_RUNS, now=timezone.now())) == []
    later = timezone.now() + datetime.timedelta(seconds=settings.CHAT_UNSENT_GRACE_SECONDS + 1)
    assert list(durable.runs_due(REPLY_RUNS, now=later)) == [reply]


def test_a_row_sent_long_ago_and_never_claimed_is_due(user, published, settings):
    reply = _reply(user)
    assert list(durable.runs_due(REPLY_RUNS, now=timezone.now())) == []
    _set(reply, enqueued_at=_ago(settings.CHAT_REQUEUE_AFTER_SECONDS + 1))
    assert list(durable.runs_due(REPLY_RUNS, now=timezone.now())) == [reply]


def test_a_silent_owner_is_due_once_until_the_resend_goes_stale_too(user, published, settings):
    reply = _reply(user)
    durable.run_claim(REPLY_RUNS, pk=reply.pk)
    assert list(durable.runs_due(REPLY_RUNS, now=timezone.now())) == []
    silent = _ago(settings.CHAT_STALE_SECONDS + 1)
    _set(reply, heartbeat_at=silent, enqueued_at=silent)
    assert replies_resend() == 1
    assert published[-1] == ("conversations.tasks.reply_run", [str(reply.pk)])
    assert list(durable.runs_due(REPLY_RUNS, now=timezone.now())) == []  # the resend is waiting


def _sender(sent: list, *, works: int = 10**6):
    def send(*, pk) -> bool:
        if len(sent) >= works:
            return False
        sent.append(pk)
        return True

    return send


def _never(*, pk, error) -> None:
    raise AssertionError(f"gave up {pk}: {error}")


def test_the_sweep_gives_up_after_the_last_attempt_and_sends_the_rest(user, published, settings):
    spent, fresh = _reply(user), _reply(user)
    long_ago = _ago(settings.CHAT_REQUEUE_AFTER_SECONDS + 1)
    _set(spent, enqueued_at=long_ago, attempts=settings.CHAT_MAX_ATTEMPTS)
    _set(fresh, enqueued_at=long_ago, attempts=settings.CHAT_MAX_ATTEMPTS - 1)
    given_up, sent = [], []
    count = durable.runs_resend(
        REPLY_RUNS,
        send=_sender(sent),
        give_up=lambda *, pk, error: given_up.append((pk, error)),
    )
    assert (count, sent) == (1, [fresh.pk])
    assert given_up == [(spent.pk, f"gave up after {settings.CHAT_MAX_ATTEMPTS} attempts")]


def test_the_sweep_stops_at_the_first_failed_send(user, published, settings):
    replies = [_reply(user) for _ in range(3)]
    for reply in replies:
        _set(reply, enqueued_at=_ago(settings.CHAT_REQUEUE_AFTER_SECONDS + 1))
    sent: list = []
    assert durable.runs_resend(REPLY_RUNS, send=_sender(sent, works=1), give_up=_never) == 1
    assert sent == [replies[0].pk]  # oldest first


def test_a_send_the_broker_refuses_leaves_the_row_unsent(user, published):
    job, _ = ingestion_job_create(user=user, messages=[{"role": "user", "content": "I love tea."}])
    IngestionJob.objects.filter(pk=job.pk).update(enqueued_at=None)
    refused = durable.run_send(INGESTION_RUNS, pk=job.pk, publish=lambda *, name, args: False)
    assert (refused, IngestionJob.objects.get(pk=job.pk).enqueued_at) == (False, None)
    assert durable.run_send(INGESTION_RUNS, pk=job.pk, publish=_recorder(published))
    assert IngestionJob.objects.get(pk=job.pk).enqueued_at is not None
    assert published[-1] == ("memories.tasks.ingestion_job_run", [str(job.pk)])


def test_task_send_fails_fast_when_the_broker_is_down(redis_control):
    redis_control.stop()
    started = time.monotonic()
    assert not durable.task_send(name="memories.tasks.ingestion_job_run", args=["nothing"])
    assert time.monotonic() - started < 3.0
