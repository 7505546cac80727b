"""The ingestion job's lifecycle: created, sent to the workers, started, applied or failed, and
sent again when the workers never got it or lost it. The pipeline itself runs in
`memories.pipelines.runner`."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core import durable
from memories import events, metrics, queue
from memories.checkpoints import ingestion_checkpoints_delete
from memories.llm import SINGLE_VALUED_SLOTS, Candidate, Decision
from memories.models import IngestionJob, Memory, MemoryEvent
from memories.representations import ingestion_job_render

from .memories import MemoryDuplicate, content_hash, memory_create, memory_delete, memory_update

PIPELINE = MemoryEvent.Actor.PIPELINE
RESULT_KEYS = ("added", "updated", "deleted", "unchanged")
JOB_ERROR_MAX_LENGTH = 2000


INGESTION_RUNS = durable.DurableRuns(
    model=IngestionJob,
    task=queue.INGESTION_JOB_RUN,
    ready=(IngestionJob.Status.QUEUED,),
    running=IngestionJob.Status.RUNNING,
    # No heartbeat while a job runs: it is stale once untouched for longer than any run may take.
    limits=durable.limits_from_settings("INGESTION", stale="REQUEUE_AFTER_SECONDS"),
    heartbeat_field="updated_at",
    run_id_field=None,
    owned_by_lock=True,
)


def _job_publish(job: IngestionJob) -> None:
    events.publish(
        user_id=job.user_id,
        event_type="ingestion_job.updated",
        data={"job": ingestion_job_render(job)},
    )


def ingestion_job_create(
    *, user: User, messages: Sequence[dict[str, str]], idempotency_key: str | None = None
) -> tuple[IngestionJob, bool]:
    """A queued job for the conversation, sent to the workers once committed.

    The same `idempotency_key` from the same user gives back the job it first created
    (and False): a retried request never ingests twice.
    """
    if idempotency_key is not None:
        existing = IngestionJob.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            job = IngestionJob.objects.create(
                user=user, messages=list(messages), idempotency_key=idempotency_key
            )
            metrics.ingestion_job_queued()
            transaction.on_commit(lambda: ingestion_job_enqueue(job_id=job.id))
    except IntegrityError:  # the same key, created concurrently
        return IngestionJob.objects.get(user=user, idempotency_key=idempotency_key), False
    return job, True


def ingestion_job_enqueue(*, job_id: uuid.UUID) -> bool:
    """Send the job to the workers, failing fast when the broker is down (the sweep retries)."""
    return durable.run_send(INGESTION_RUNS, pk=job_id, publish=queue.task_send)


@transaction.atomic
def ingestion_job_start(*, job_id: uuid.UUID | str) -> IngestionJob | None:
    """Mark the job running and count the attempt; None when it has finished or is gone.

    The run holds the job's session lock (`memories.pipelines.graph`), so a job left running
    by a dead worker is taken over at once.
    """
    job = durable.run_claim(INGESTION_RUNS, pk=job_id)
    if job is None or job.started_at is not None:
        return job
    job.started_at = timezone.now()
    job.save(update_fields=["started_at", "updated_at"])
    _job_publish(job)
    return job


def ingestion_job_fail(*, job_id: uuid.UUID | str, error: str) -> None:
    """Record why the job failed and drop its checkpoints; a finished job stays as it is."""
    with transaction.atomic():
        job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (IngestionJob.Status.SUCCEEDED, IngestionJob.Status.FAILED):
            return
        job.status = IngestionJob.Status.FAILED
        job.error = error[:JOB_ERROR_MAX_LENGTH]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        _job_publish(job)
        metrics.ingestion_job_finished(status=job.status, created_at=job.created_at)
    ingestion_checkpoints_delete(job_id=job_id)


def _slot_metadata(candidate: Candidate) -> dict[str, Any]:
    return {
        "slot": candidate.slot,
        "value": candidate.value,
        "detail": candidate.detail,
        "key": candidate.key,
    }


def _store(
    *, job: IngestionJob, candidate: Candidate, embedding: Sequence[float], replaced: list[Memory]
) -> dict[str, int]:
    """Add the candidate; for a one-value slot, whatever else holds that slot goes first."""
    deleted = 0
    if candidate.slot in SINGLE_VALUED_SLOTS:
        holders = Memory.objects.filter(user_id=job.user_id, metadata__key=candidate.key)
        if any(m.content_hash == content_hash(candidate.content) for m in holders):
            return {"unchanged": 1}
        for memory in holders:
            memory_delete(memory=memory, actor=PIPELINE, job=job)
            replaced.append(memory)
            deleted += 1
    metadata = _slot_metadata(candidate)
    if replaced:
        metadata["replaces"] = [str(memory.pk) for memory in replaced]
    try:
        memory_create(
            user=job.user, content=candidate.content, tier=candidate.tier,
            importance=candidate.importance, metadata=metadata,
            source=Memory.Source.INGESTION, actor=PIPELINE, job=job, embedding=embedding,
        )  # fmt: skip
    except MemoryDuplicate:
        return {"deleted": deleted, "unchanged": 1}
    return {"deleted": deleted, "added": 1}


def _refine(
    *, job: IngestionJob, memory: Memory, candidate: Candidate, embedding: Sequence[float]
) -> dict[str, int]:
    if memory.content_hash == content_hash(candidate.content):
        return {"unchanged": 1}
    try:
        memory_update(
            memory=memory, actor=PIPELINE, job=job, embedding=embedding,
            content=candidate.content, metadata={**memory.metadata, **_slot_metadata(candidate)},
            importance=max(memory.importance, candidate.importance),
        )  # fmt: skip
    except MemoryDuplicate:
        return {"unchanged": 1}
    return {"updated": 1}


def _apply_decision(
    *, job: IngestionJob, candidate: Candidate, embedding: Sequence[float], decision: Decision
) -> dict[str, int]:
    if decision.action == "NOOP":
        return {"unchanged": 1}
    targets = list(
        Memory.objects.select_for_update().filter(user_id=job.user_id, pk__in=decision.target_ids)
    )
    if decision.action == "UPDATE" and targets:
        return _refine(job=job, memory=targets[0], candidate=candidate, embedding=embedding)
    replaced = targets if decision.action == "DELETE" else []
    for memory in replaced:
        memory_delete(memory=memory, actor=PIPELINE, job=job)
    if candidate.negated:
        return {"deleted": len(replaced)} if replaced else {"unchanged": 1}
    outcome = _store(job=job, candidate=candidate, embedding=embedding, replaced=list(replaced))
    return {**outcome, "deleted": outcome.get("deleted", 0) + len(replaced)}


@transaction.atomic
def ingestion_job_apply(
    *,
    job: IngestionJob,
    candidates: Sequence[Candidate],
    embeddings: Sequence[Sequence[float]],
    decisions: Sequence[Decision],
) -> dict[str, int]:
    """Apply the decisions and finish the job, in one transaction with history rows.

    Safe to repeat: the result is recorded in the same transaction, and a job that is no longer
    running gives back what it recorded. A contradiction deletes the old memory and adds the new
    one together; a one-value slot never ends up with two current memories.
    """
    locked = IngestionJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != IngestionJob.Status.RUNNING:
        return locked.result
    # One apply at a time per user, so that two jobs cannot both fill a one-value slot.
    list(User.objects.select_for_update().filter(pk=locked.user_id).values_list("pk"))
    counts = dict.fromkeys(RESULT_KEYS, 0)
    for candidate, embedding, decision in zip(candidates, embeddings, decisions, strict=True):
        outcome = _apply_decision(
            job=locked, candidate=candidate, embedding=embedding, decision=decision
        )
        for key, count in outcome.items():
            counts[key] += count
    locked.status = IngestionJob.Status.SUCCEEDED
    locked.result, locked.error, locked.finished_at = counts, "", timezone.now()
    locked.save(update_fields=["status", "result", "error", "finished_at", "updated_at"])
    _job_publish(locked)
    metrics.ingestion_job_finished(status=locked.status, created_at=locked.created_at)
    return counts


def ingestion_jobs_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Send again the jobs the workers never got or lost; returns how many were sent.

    That is: queued jobs whose send failed (the broker was down), queued jobs sent long ago
    (the broker lost the message), and running jobs untouched for longer than any run may take
    (the worker died). A job is failed after INGESTION_MAX_ATTEMPTS.
    """
    return durable.runs_resend(
        INGESTION_RUNS,
        send=lambda pk: ingestion_job_enqueue(job_id=pk),
        give_up=lambda pk, error: ingestion_job_fail(job_id=pk, error=error),
        now=now,
    )


def ingestion_job_retry(*, job_id: uuid.UUID | str) -> bool:
    """Run a failed job again from the start, with a fresh budget of attempts (staff asked for
    it); False when the job is not failed."""
    with transaction.atomic():
        job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != IngestionJob.Status.FAILED:
            return False
        job.status, job.error, job.attempts = IngestionJob.Status.QUEUED, "", 0
        job.started_at = job.finished_at = job.enqueued_at = None
        job.save(update_fields=["status", "error", "attempts", "started_at", "finished_at",
                                "enqueued_at", "updated_at"])  # fmt: skip
        _job_publish(job)
        metrics.ingestion_job_queued()
        transaction.on_commit(lambda: ingestion_job_enqueue(job_id=job.id))
    return True
