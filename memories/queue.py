"""The one seam through which a service sends work to the Celery workers: by task name, so that
services never import the tasks that call them (the sending itself is `core.durable`'s)."""

from __future__ import annotations

from core.durable import task_send

INGESTION_JOB_RUN = "memories.tasks.ingestion_job_run"

__all__ = ["INGESTION_JOB_RUN", "task_send"]
