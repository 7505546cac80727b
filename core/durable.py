"""Durable runs: work stored as a row and run by a Celery task, that survives a broker outage,
a lost message and a killed worker. One copy of the mechanism, used by ingestion jobs, replies
and missions; each describes its rows with a `DurableRuns` spec.

The row's model has `status`, `attempts`, `enqueued_at` (nullable), `created_at` and
`updated_at`, plus a heartbeat time and (for a lease) a run id, whose names the spec gives.

What it guarantees, given that the app sends through `run_send` after commit, claims through
`run_claim` and writes a running row only through `run_owned` / `run_beat` / `run_release`:

- One run owns a row at a time. A claim takes the row's lock, counts the attempt and gives the
  row a new run id; a second claim while the owner's heartbeat is fresh gets None, and a run
  that lost the row (taken over after it went silent, or cancelled) writes nothing more.
  (A spec with `owned_by_lock` holds a PostgreSQL session lock while it runs instead: the lock
  proves its last owner is gone, so a claim takes a running row at once.)
- Nothing is lost: the sweep (`runs_resend`, from a beat task) sends again a row never sent
  (the broker was down at the request; after `unsent_grace`), one sent long ago and never
  claimed (the broker lost it; after `requeue_after`), and one whose owner stopped beating
  (after `stale_after`, and not again until that long after its last send).
- Nothing runs for ever: a row due again after `max_attempts` claims is given up through the
  app's callback with the error "gave up after N attempts".
- A send never blocks a request: with the broker down it fails fast and returns False.

Not guaranteed here: that a step runs once. A run resumes from the app's own checkpoints, and
the app's writes must be idempotent or owned (`run_owned`).
"""

from __future__ import annotations

import datetime
import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from kombu.exceptions import KombuError
from kombu.pools import ProducerPool
from redis.exceptions import RedisError

from core.clients import process_client

logger = logging.getLogger(__name__)

# Publishing from a request must not hang when Redis is down: no reconnection loop, short
# socket timeouts. The caller's row is saved either way and the sweep sends it later.
FAIL_FAST_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 1, "socket_timeout": 2}
BROKER_ERRORS = (KombuError, RedisError, OSError)
# Connections kept per process: a new one per publish (connect, declare the queue, close) cost
# more than the rest of a reply's bookkeeping. As many as the threads that publish at once.
PRODUCER_POOL_LIMIT = 64


@dataclass(frozen=True)
class RunLimits:
    """When the sweep acts (seconds) and how many tries a row gets."""

    max_attempts: int
    unsent_grace: float
    requeue_after: float
    stale_after: float
    batch: int = 500


def limits_from_settings(prefix: str, *, stale: str = "STALE_SECONDS") -> Callable[[], RunLimits]:
    """The limits in `<prefix>_MAX_ATTEMPTS`, `_UNSENT_GRACE_SECONDS`, `_REQUEUE_AFTER_SECONDS`,
    `_<stale>` and `_SWEEP_BATCH`, read at each use so that a changed setting takes effect."""

    def read() -> RunLimits:
        return RunLimits(
            max_attempts=getattr(settings, f"{prefix}_MAX_ATTEMPTS"),
            unsent_grace=getattr(settings, f"{prefix}_UNSENT_GRACE_SECONDS"),
            requeue_after=getattr(settings, f"{prefix}_REQUEUE_AFTER_SECONDS"),
            stale_after=getattr(settings, f"{prefix}_{stale}"),
            batch=getattr(settings, f"{prefix}_SWEEP_BATCH"),
        )

    return read


@dataclass(frozen=True)
class DurableRuns:
    """One kind of durable row: its model, its statuses, its task and its limits."""

    model: type[models.Model]
    task: str  # the Celery task's name; it is sent the row's id as its one argument
    ready: tuple[str, ...]  # statuses of a row waiting for a worker (sent or to be sent)
    running: str  # the status a claim gives the row
    limits: Callable[[], RunLimits]  # read at each use, so that settings may change
    scope: Q = field(default_factory=Q)  # the model's rows that are runs at all
    heartbeat_field: str = "heartbeat_at"
    run_id_field: str | None = "run_id"
    owned_by_lock: bool = False

    @property
    def active(self) -> tuple[str, ...]:
        return (*self.ready, self.running)


@process_client
def _producers(pid: int) -> ProducerPool:
    """The publishing connections of process `pid`: a forked child never uses its parent's."""
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **FAIL_FAST_TRANSPORT_OPTIONS}
    connection = current_app.connection_for_write(transport_options=options)
    return ProducerPool(connection.Pool(limit=PRODUCER_POOL_LIMIT), limit=PRODUCER_POOL_LIMIT)


def task_send(*, name: str, args: Sequence[Any]) -> bool:
    """Publish a run of the task by name; False (and a warning) when the broker cannot take it.

    Not `delay_on_commit`: callers publish after commit themselves, so that a broker outage is
    caught here instead of failing the request that saved the work.
    """
    try:
        with _producers(os.getpid()).acquire(block=True) as producer:
            current_app.send_task(name, args=list(args), producer=producer, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning("%s%s not sent, the sweep will retry: %s", name, list(args), exc)
        return False
    return True


def run_send(runs: DurableRuns, *, pk: Any, publish: Callable[..., bool] = task_send) -> bool:
    """Hand the row to the workers and note when; False when the broker is down (the sweep
    sends it later). Call it once the row is committed."""
    if not publish(name=runs.task, args=[str(pk)]):
        return False
    runs.model.objects.filter(pk=pk).update(enqueued_at=timezone.now())
    return True


def _alive(runs: DurableRuns, row: models.Model, now: datetime.datetime) -> bool:
    beat = getattr(row, runs.heartbeat_field)
    return beat is not None and beat >= now - datetime.timedelta(seconds=runs.limits().stale_after)


@transaction.atomic
def run_claim(
    runs: DurableRuns,
    *,
    pk: Any,
    queryset: QuerySet | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Any:
    """Claim the row for a new run and count the attempt; None when it is finished, gone,
    not a run, or its owner is still beating. `changes` are saved with the claim (a reset)."""
    rows = runs.model.objects.all() if queryset is None else queryset
    row = rows.select_for_update(of=("self",)).filter(runs.scope, pk=pk).first()
    now = timezone.now()
    if row is None or row.status not in runs.active:
        return None
    if not runs.owned_by_lock and _alive(runs, row, now):
        return None
    values = {"status": runs.running, "attempts": row.attempts + 1, runs.heartbeat_field: now}
    if runs.run_id_field is not None:
        values[runs.run_id_field] = uuid.uuid4()
    values.update(changes or {})
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(dict.fromkeys([*values, "updated_at"])))
    return row


def run_owned(runs: DurableRuns, *, run: models.Model) -> QuerySet:
    """The row as long as this run still owns it: update through it, and 0 rows means the run
    lost the row and must stop writing."""
    rows = runs.model.objects.filter(pk=run.pk, status__in=runs.active)
    if runs.run_id_field is None:
        return rows
    return rows.filter(**{runs.run_id_field: getattr(run, runs.run_id_field)})


def run_beat(
    runs: DurableRuns, *, run: models.Model, changes: Mapping[str, Any] | None = None
) -> bool:
    """A sign of life (with `changes` saved alongside); False when the run lost the row."""
    now = timezone.now()
    values = {runs.heartbeat_field: now, "updated_at": now, **(changes or {})}
    return bool(run_owned(runs, run=run).update(**values))


def run_release(runs: DurableRuns, *, run: models.Model, changes: Mapping[str, Any]) -> bool:
    """End the run's ownership without finishing the row (it waits for the user, or sleeps),
    so that the next send is claimed at once; `changes` gives its new status. False when the
    run had already lost the row."""
    values: dict[str, Any] = {runs.heartbeat_field: None, "updated_at": timezone.now()}
    if runs.run_id_field is not None:
        values[runs.run_id_field] = None
    return bool(run_owned(runs, run=run).update(**{**values, **changes}))


def runs_due(runs: DurableRuns, *, now: datetime.datetime) -> QuerySet:
    """Rows a worker never got or lost, oldest first: never sent past the grace, sent long ago
    and never claimed, or active with a silent owner and not sent again since it went silent."""
    limits = runs.limits()

    def ago(seconds: float) -> datetime.datetime:
        return now - datetime.timedelta(seconds=seconds)

    silent_since = ago(limits.stale_after)
    beat = runs.heartbeat_field
    ready = Q(status__in=runs.ready)
    alive = Q(**{f"{beat}__gte": silent_since})
    unsent = ready & Q(enqueued_at__isnull=True, updated_at__lt=ago(limits.unsent_grace))
    lost = ready & Q(enqueued_at__lt=ago(limits.requeue_after)) & ~alive
    silent = Q(status__in=runs.active, **{f"{beat}__lt": silent_since})
    dead = silent & ~Q(enqueued_at__gte=silent_since)
    return runs.model.objects.filter(runs.scope, unsent | lost | dead).order_by("created_at")


def runs_to_resend(
    runs: DurableRuns,
    *,
    give_up: Callable[..., None],
    now: datetime.datetime | None = None,
) -> list[Any]:
    """The ids of the due rows to send again; those claimed `max_attempts` times already are
    given up instead, through `give_up(pk=..., error=...)`."""
    limits = runs.limits()
    due = runs_due(runs, now=now or timezone.now()).values_list("pk", "attempts")
    resend = []
    for pk, attempts in due[: limits.batch]:
        if attempts >= limits.max_attempts:
            give_up(pk=pk, error=f"gave up after {attempts} attempts")
        else:
            resend.append(pk)
    return resend


def runs_resend(
    runs: DurableRuns,
    *,
    send: Callable[..., bool],
    give_up: Callable[..., None],
    now: datetime.datetime | None = None,
) -> int:
    """The sweep: send the due rows again through `send(pk=...)`; returns how many were sent.
    Stops at the first failed send (the broker is still down; the next sweep tries again)."""
    sent = 0
    for pk in runs_to_resend(runs, give_up=give_up, now=now):
        if not send(pk=pk):
            break
        sent += 1
    return sent
