"""Celery tasks of the memory pipelines. They take ids, call one service, and own only the
retry and failure policy. Runs are safe to repeat, so they are acknowledged late and requeued
if their worker dies (settings: acks_late, reject_on_worker_lost, prefetch 1)."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from accounts.models import User

from . import queue, selectors, services
from .embeddings import EmbeddingUnavailable
from .llm import LLMUnavailable
from .pipelines import runner

logger = logging.getLogger(__name__)

# Worth another try after a pause: the model, the embedding service or the database was away.
TRANSIENT_ERRORS = (
    LLMUnavailable,
    EmbeddingUnavailable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
)
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}
BUSY_RETRY_SECONDS = 5


class IngestionJobTask(Task):
    """Fails the job when its run fails for good (retries exhausted, time limit, a bug)."""

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        job_id = kwargs.get("job_id") or args[0]
        services.ingestion_job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    name=queue.INGESTION_JOB_RUN,
    base=IngestionJobTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    **RETRY_POLICY,
)
def ingestion_job_run(self: Task, job_id: str) -> None:
    try:
        runner.ingestion_job_process(job_id=job_id)
    except runner.IngestionJobBusy:
        # Never a failure: the holder finishes the job, or the sweep sends it again if it died.
        if self.request.retries < self.max_retries:
            raise self.retry(countdown=BUSY_RETRY_SECONDS) from None
        logger.info("ingestion job %s is still held by another run", job_id)


@shared_task(acks_late=True)
def ingestion_jobs_sweep() -> int:
    return services.ingestion_jobs_requeue_stale()


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_POLICY)
def consolidate_user(user_id: int) -> dict[str, int]:
    user = User.objects.filter(pk=user_id).first()
    return runner.memory_consolidate(user=user) if user is not None else {}


@shared_task(acks_late=True)
def consolidate_all() -> int:
    """Queue one consolidation per user with memories it may change."""
    user_ids = selectors.consolidation_user_ids()
    for user_id in user_ids:
        consolidate_user.delay(user_id)
    return len(user_ids)
