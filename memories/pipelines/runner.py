"""Runs a pipeline to the end: an ingestion job (called by its task) or one user's
consolidation. The job's lifecycle around the run is in `memories.services.ingestion`."""

from __future__ import annotations

import uuid

from accounts.models import User
from memories.embeddings import EmbeddingError, EmbeddingUnavailable
from memories.llm import LLMError, LLMUnavailable, get_llm
from memories.services import MemoryInvalid, ingestion_job_fail, ingestion_job_start

from .graph import consolidation_run, ingestion_session


class IngestionJobBusy(Exception):
    """Another process is running this job (or its dead run's lock is not yet released)."""


def ingestion_job_process(*, job_id: uuid.UUID | str) -> None:
    """Run the job's pipeline to the end, resuming from its last checkpoint.

    A model or embedding service that is unavailable raises (the task retries); an answer that
    cannot be used, or content a memory cannot hold, fails the job with nothing applied.
    """
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


def memory_consolidate(*, user: User) -> dict[str, int]:
    """Run the consolidation pipeline over one user's memories; returns what each step did."""
    return consolidation_run(user=user)
