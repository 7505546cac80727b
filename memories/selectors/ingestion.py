"""Reads of a user's ingestion jobs."""

from __future__ import annotations

import uuid

from accounts.models import User
from memories.models import IngestionJob

from .lookup import as_uuid


def ingestion_job_get(*, user: User, job_id: uuid.UUID | str) -> IngestionJob | None:
    """The user's job with this id; None for another user's, a missing or a malformed id."""
    pk = as_uuid(job_id)
    if pk is None:
        return None
    return IngestionJob.objects.filter(user=user, pk=pk).first()
