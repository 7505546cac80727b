"""Writes to memories and collections. Every memory change leaves a MemoryEvent in the same
transaction and is published to the owner's live sockets once it commits."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User

from . import events
from .embeddings import (
    EmbeddingError,
    EmbeddingUnavailable,
    embed_text,
    embed_texts,
    embedding_model_name,
)
from .llm import SINGLE_VALUED_SLOTS, Candidate, Decision, LLMError, LLMUnavailable, get_llm
from .models import MAX_CONTENT_LENGTH, IngestionJob, Memory, MemoryCollection, MemoryEvent
from .selectors import (
    SearchResult,
    ingestion_job_render,
    memory_collection_name_taken,
    memory_due_for_decay,
    memory_due_for_promotion,
    memory_due_to_expire,
    memory_near_duplicates,
    memory_ranking,
    memory_render,
)

MEMORY_FIELDS = ("content", "tier", "importance", "collection", "metadata", "expires_at")
COLLECTION_FIELDS = ("name", "description")
REEMBED_BATCH_SIZE = 256


class MemoryDuplicate(Exception):
    """The user already has a memory with the same normalised content."""

    def __init__(self, existing_id: uuid.UUID) -> None:
        super().__init__(f"duplicate of memory {existing_id}")
        self.existing_id = existing_id


class MemoryInvalid(ValueError):
    """A value a memory cannot hold (blank or over-long content, another user's collection)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class MemoryCollectionNameTaken(Exception):
    """The user already has a collection of that name, ignoring case."""


def content_normalize(content: str) -> str:
    """What makes two contents the same memory: trimmed, whitespace collapsed, case folded."""
    return " ".join(content.split()).casefold()


def content_hash(content: str) -> str:
    return hashlib.sha256(content_normalize(content).encode()).hexdigest()


def _clean_content(content: str) -> str:
    content = content.strip()
    if not content:
        raise MemoryInvalid("content", "may not be blank")
    if len(content) > MAX_CONTENT_LENGTH:
        raise MemoryInvalid("content", f"has more than {MAX_CONTENT_LENGTH} characters")
    return content


def _check_collection(user: User, collection: MemoryCollection | None) -> None:
    if collection is not None and collection.user_id != user.pk:
        raise MemoryInvalid("collection", "no such collection")


def _record(
    memory: Memory,
    *,
    event: str,
    old: str | None,
    new: str | None,
    actor: str,
    job: IngestionJob | None,
) -> None:
    MemoryEvent.objects.create(
        memory_id=memory.id,
        user_id=memory.user_id,
        event=event,
        old_content=old,
        new_content=new,
        actor=actor,
        job=job,
    )


def _publish(memory: Memory, event_type: str) -> None:
    events.publish(
        user_id=memory.user_id, event_type=event_type, data={"memory": memory_render(memory)}
    )


def _save_unique(memory: Memory, **save_kwargs: Any) -> None:
    """Save, turning a clash on the per-user content hash into MemoryDuplicate."""
    try:
        with transaction.atomic():
            memory.save(**save_kwargs)
    except IntegrityError:
        existing = (
            Memory.objects.filter(user_id=memory.user_id, content_hash=memory.content_hash)
            .exclude(pk=memory.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is None:
            raise
        raise MemoryDuplicate(existing) from None


@transaction.atomic
def memory_create(
    *,
    user: User,
    content: str,
    tier: str = Memory.Tier.LONG_TERM,
    importance: float = 0.5,
    collection: MemoryCollection | None = None,
    metadata: dict[str, Any] | None = None,
    expires_at: Any = None,
    source: str = Memory.Source.API,
    actor: str = MemoryEvent.Actor.USER,
    job: IngestionJob | None = None,
    embedding: np.ndarray | Sequence[float] | None = None,
) -> Memory:
    """Store a new memory (embedding it unless given). Raises MemoryDuplicate, MemoryInvalid."""
    content = _clean_content(content)
    _check_collection(user, collection)
    memory = Memory(
        user=user,
        content=content,
        content_hash=content_hash(content),
        embedding=embed_text(content) if embedding is None else embedding,
        embedding_model=embedding_model_name(),
        tier=tier,
        importance=importance,
        collection=collection,
        metadata=metadata or {},
        expires_at=expires_at,
        source=source,
    )
    _save_unique(memory, force_insert=True)
    _record(memory, event=MemoryEvent.Event.ADD, old=None, new=content, actor=actor, job=job)
    _publish(memory, "memory.created")
    return memory


@transaction.atomic
def memory_update(
    *,
    memory: Memory,
    actor: str,
    job: IngestionJob | None = None,
    event: str = MemoryEvent.Event.UPDATE,
    embedding: np.ndarray | Sequence[float] | None = None,
    **changes: Any,
) -> Memory:
    """Apply `changes` (any of MEMORY_FIELDS); new content is re-embedded unless given.

    `event` lets the pipelines record a promote or merge instead of a plain update.
    """
    unknown = set(changes) - set(MEMORY_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    locked = Memory.objects.select_for_update().get(pk=memory.pk)
    old_content = locked.content
    if "collection" in changes:
        _check_collection(locked.user, changes["collection"])
    for field, value in changes.items():
        setattr(locked, field, value)
    if "content" in changes:
        _apply_content(locked, _clean_content(changes["content"]), embedding)
    _save_unique(locked)
    _record(locked, event=event, old=old_content, new=locked.content, actor=actor, job=job)
    _publish(locked, "memory.updated")
    return locked


def _apply_content(
    memory: Memory, content: str, embedding: np.ndarray | Sequence[float] | None
) -> None:
    memory.content = content
    memory.content_hash = content_hash(content)
    memory.embedding = embed_text(content) if embedding is None else embedding
    memory.embedding_model = embedding_model_name()


@transaction.atomic
def memory_delete(
    *,
    memory: Memory,
    actor: str,
    job: IngestionJob | None = None,
    event: str = MemoryEvent.Event.DELETE,
) -> None:
    """Delete the memory; its history stays. `event` may be `expire` or `merge` instead.

    Deleting a memory that is already gone does nothing.
    """
    locked = Memory.objects.select_for_update().filter(pk=memory.pk).first()
    if locked is None:
        return
    _record(locked, event=event, old=locked.content, new=None, actor=actor, job=job)
    _publish(locked, "memory.deleted")
    locked.delete()


_RECALLED_COLUMNS = ", ".join(
    f"memory.{field.column}" for field in Memory._meta.concrete_fields if field.name != "embedding"
)


def memory_recall(
    *,
    user: User,
    query: str,
    top_k: int = 10,
    tiers: Sequence[str] | None = None,
    collection: MemoryCollection | None = None,
    min_score: float | None = None,
) -> list[SearchResult]:
    """Search the user's memories by text, best first, counting a use of each memory found.

    One statement ranks the memories, counts the use and reads them back (the ORM's update()
    cannot return rows), leaving the embeddings out.
    """
    query_embedding = embed_text(query)
    with memory_ranking(user=user, top_k=top_k, tiers=tiers, collection=collection) as ranking:
        nearest, params = ranking(query_embedding).query.sql_with_params()
        above = "" if min_score is None else " AND nearest.score >= %s"
        found = Memory.objects.raw(
            f"UPDATE {Memory._meta.db_table} AS memory"
            " SET access_count = memory.access_count + 1, last_accessed_at = %s"
            f" FROM ({nearest}) AS nearest (id, score)"
            f" WHERE memory.id = nearest.id AND memory.user_id = %s{above}"
            f" RETURNING {_RECALLED_COLUMNS}, nearest.score",
            [timezone.now(), *params, user.pk, *([] if min_score is None else [min_score])],
        )
        return sorted(((memory, memory.score) for memory in found), key=lambda r: -r[1])


def memory_reembed(*, memories: Sequence[Memory]) -> int:
    """Recompute the embeddings with the current provider (after a model change). Returns count."""
    for start in range(0, len(memories), REEMBED_BATCH_SIZE):
        batch = list(memories[start : start + REEMBED_BATCH_SIZE])
        model = embedding_model_name()
        for memory, vector in zip(batch, embed_texts([m.content for m in batch]), strict=True):
            memory.embedding, memory.embedding_model = vector, model
        Memory.objects.bulk_update(batch, ["embedding", "embedding_model"])
    return len(memories)


# --- collections ----------------------------------------------------------------


def _save_collection(collection: MemoryCollection) -> MemoryCollection:
    if memory_collection_name_taken(user=collection.user, name=collection.name, exclude=collection):
        raise MemoryCollectionNameTaken(collection.name)
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError as exc:  # a concurrent create of the same name
        raise MemoryCollectionNameTaken(collection.name) from exc
    return collection


def memory_collection_create(*, user: User, name: str, description: str = "") -> MemoryCollection:
    """A new collection. Raises MemoryCollectionNameTaken when the name clashes, ignoring case."""
    return _save_collection(MemoryCollection(user=user, name=name.strip(), description=description))


def memory_collection_update(*, collection: MemoryCollection, **changes: Any) -> MemoryCollection:
    unknown = set(changes) - set(COLLECTION_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(collection, field, value.strip() if field == "name" else value)
    return _save_collection(collection)


def memory_collection_delete(*, collection: MemoryCollection) -> None:
    """Delete the collection; its memories stay, no longer filed anywhere."""
    collection.delete()


# --- ingestion jobs -------------------------------------------------------------

PIPELINE = MemoryEvent.Actor.PIPELINE
RESULT_KEYS = ("added", "updated", "deleted", "unchanged")
JOB_ERROR_MAX_LENGTH = 2000


class IngestionJobBusy(Exception):
    """Another process is running this job (or its dead run's lock is not yet released)."""


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
            transaction.on_commit(lambda: ingestion_job_enqueue(job_id=job.id))
    except IntegrityError:  # the same key, created concurrently
        return IngestionJob.objects.get(user=user, idempotency_key=idempotency_key), False
    return job, True


def ingestion_job_enqueue(*, job_id: uuid.UUID) -> bool:
    """Send the job to the workers, failing fast when the broker is down (the sweep retries)."""
    from .tasks import ingestion_job_send

    if not ingestion_job_send(job_id=job_id):
        return False
    IngestionJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    return True


@transaction.atomic
def ingestion_job_start(*, job_id: uuid.UUID | str) -> IngestionJob | None:
    """Mark the job running and count the attempt; None when it has finished or is gone."""
    job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status in (IngestionJob.Status.SUCCEEDED, IngestionJob.Status.FAILED):
        return None
    was_running = job.status == IngestionJob.Status.RUNNING
    job.status = IngestionJob.Status.RUNNING
    job.attempts += 1
    job.started_at = job.started_at or timezone.now()
    job.save(update_fields=["status", "attempts", "started_at", "updated_at"])
    if not was_running:
        _job_publish(job)
    return job


def ingestion_job_fail(*, job_id: uuid.UUID | str, error: str) -> None:
    """Record why the job failed and drop its checkpoints; a finished job stays as it is."""
    from .pipelines.graph import ingestion_checkpoints_delete

    with transaction.atomic():
        job = IngestionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (IngestionJob.Status.SUCCEEDED, IngestionJob.Status.FAILED):
            return
        job.status = IngestionJob.Status.FAILED
        job.error = error[:JOB_ERROR_MAX_LENGTH]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        _job_publish(job)
    ingestion_checkpoints_delete(job_id=job_id)


def ingestion_job_process(*, job_id: uuid.UUID | str) -> None:
    """Run the job's pipeline to the end, resuming from its last checkpoint.

    A model or embedding service that is unavailable raises (the task retries); an answer that
    cannot be used, or content a memory cannot hold, fails the job with nothing applied.
    """
    from .pipelines.graph import ingestion_session

    with ingestion_session(job_id=job_id) as session:
        if session is None:
            raise IngestionJobBusy(job_id)
        job = ingestion_job_start(job_id=job_id)
        if job is None:
            session.forget()  # checkpoints of a run that died after finishing
            return
        try:
            session.run(job=job, llm=get_llm())
        except (LLMUnavailable, EmbeddingUnavailable):
            raise
        except (LLMError, EmbeddingError, MemoryInvalid) as exc:
            ingestion_job_fail(job_id=job.id, error=str(exc))
            return
        session.forget()


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
    return counts


def ingestion_jobs_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Send again the jobs the workers never got or lost; returns how many were sent.

    That is: queued jobs whose send failed (the broker was down), queued jobs sent long ago
    (the broker lost the message), and running jobs untouched for longer than any run may take
    (the worker died). A job is failed after INGESTION_MAX_ATTEMPTS.
    """
    now = now or timezone.now()
    long_ago = now - datetime.timedelta(seconds=settings.INGESTION_REQUEUE_AFTER_SECONDS)
    unsent_since = now - datetime.timedelta(seconds=settings.INGESTION_UNSENT_GRACE_SECONDS)
    queued = Q(status=IngestionJob.Status.QUEUED)
    stale = IngestionJob.objects.filter(
        (queued & Q(enqueued_at__isnull=True, created_at__lt=unsent_since))
        | (queued & Q(enqueued_at__lt=long_ago))
        | Q(status=IngestionJob.Status.RUNNING, updated_at__lt=long_ago, enqueued_at__lt=long_ago)
    ).order_by("created_at")
    sent = 0
    for job_id, attempts in stale.values_list("pk", "attempts")[: settings.INGESTION_SWEEP_BATCH]:
        if attempts >= settings.INGESTION_MAX_ATTEMPTS:
            ingestion_job_fail(job_id=job_id, error=f"gave up after {attempts} attempts")
        elif ingestion_job_enqueue(job_id=job_id):
            sent += 1
        else:
            break  # the broker is still down; the next sweep tries again
    return sent


# --- consolidation ---------------------------------------------------------------

PROMOTE_MIN_ACCESSES = 3
MERGE_MIN_SIMILARITY = 0.9
MERGE_NEIGHBOURS = 5
DECAY_AFTER = datetime.timedelta(days=30)
DECAY_FACTOR = 0.9
DECAY_FLOOR = 0.05


def memory_promote_used(*, user: User) -> int:
    """Short-term memories that keep being retrieved become long-term."""
    promoted = 0
    for memory in memory_due_for_promotion(user=user, min_accesses=PROMOTE_MIN_ACCESSES):
        memory_update(
            memory=memory, actor=PIPELINE, event=MemoryEvent.Event.PROMOTE,
            tier=Memory.Tier.LONG_TERM, expires_at=None,
        )  # fmt: skip
        promoted += 1
    return promoted


def memory_expire_due(*, user: User, now: datetime.datetime | None = None) -> int:
    """Delete short-term memories past their expiry."""
    expired = 0
    for memory in memory_due_to_expire(user=user, now=now or timezone.now()):
        memory_delete(memory=memory, actor=PIPELINE, event=MemoryEvent.Event.EXPIRE)
        expired += 1
    return expired


def _richer(first: Memory, second: Memory) -> tuple[Memory, Memory]:
    """(keeper, duplicate): the longer text wins, then the more important, then the older."""
    ranked = sorted(
        (first, second),
        key=lambda m: (len(content_normalize(m.content)), m.importance, -m.created_at.timestamp()),
    )
    return ranked[1], ranked[0]


@transaction.atomic
def memory_merge(*, keeper: Memory, duplicate: Memory) -> Memory:
    """Fold `duplicate` into `keeper`: its history moves over, its use and importance count."""
    memory_delete(memory=duplicate, actor=PIPELINE, event=MemoryEvent.Event.MERGE)
    MemoryEvent.objects.filter(user_id=keeper.user_id, memory_id=duplicate.pk).update(
        memory_id=keeper.pk
    )
    Memory.objects.filter(pk=keeper.pk).update(
        access_count=F("access_count") + duplicate.access_count
    )
    changes: dict[str, Any] = {}
    if duplicate.importance > keeper.importance:
        changes["importance"] = duplicate.importance
    if keeper.tier == Memory.Tier.SHORT_TERM and duplicate.tier == Memory.Tier.LONG_TERM:
        changes.update(tier=Memory.Tier.LONG_TERM, expires_at=None)
    if changes:
        return memory_update(
            memory=keeper, actor=PIPELINE, event=MemoryEvent.Event.MERGE, **changes
        )
    return keeper


def memory_merge_near_duplicates(*, user: User) -> int:
    """Merge near-duplicate non-core memories until none are left; returns how many went."""
    merged = 0
    while True:
        gone: set[uuid.UUID] = set()
        pairs = memory_near_duplicates(
            user=user, min_similarity=MERGE_MIN_SIMILARITY, top_k=MERGE_NEIGHBOURS
        )
        for first, second, _ in pairs:
            if first.pk in gone or second.pk in gone:
                continue
            keeper, duplicate = _richer(first, second)
            memory_merge(keeper=keeper, duplicate=duplicate)
            gone.add(duplicate.pk)
        if not gone:
            return merged
        merged += len(gone)


def memory_decay_unused(*, user: User, now: datetime.datetime | None = None) -> int:
    """Lower the importance of non-core memories neither used nor changed for DECAY_AFTER.

    The decay itself counts as a change, so a memory decays at most once per DECAY_AFTER.
    """
    unused_since = (now or timezone.now()) - DECAY_AFTER
    decayed = 0
    for memory in memory_due_for_decay(user=user, unused_since=unused_since, floor=DECAY_FLOOR):
        importance = round(max(DECAY_FLOOR, memory.importance * DECAY_FACTOR), 4)
        memory_update(memory=memory, actor=PIPELINE, importance=importance)
        decayed += 1
    return decayed


def memory_consolidate(*, user: User) -> dict[str, int]:
    """Run the consolidation pipeline over one user's memories; returns what each step did."""
    from .pipelines.graph import consolidation_run

    return consolidation_run(user=user)
