"""The memories' Prometheus metrics: search latency by plan, ingestion jobs by outcome.
Recorded in every process (web and worker); see core/observability/metrics.py."""

from __future__ import annotations

import datetime

from django.db import transaction
from prometheus_client import Counter, Histogram

from core.observability.metrics import finished_on_commit

SEARCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
JOB_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)

memory_search_duration = Histogram(
    "memory_search_duration_seconds",
    "Time a search spends in the database, by plan (exact scan or HNSW index) and mode.",
    ["plan", "mode"], buckets=SEARCH_BUCKETS,
)  # fmt: skip
ingestion_jobs = Counter(
    "ingestion_jobs", "Ingestion jobs created (queued) and finished, by status.", ["status"]
)
ingestion_job_duration = Histogram(
    "ingestion_job_duration_seconds",
    "From an ingestion job's creation to its end (queueing included), by final status.",
    ["status"], buckets=JOB_BUCKETS,
)  # fmt: skip


def search_observe(*, use_index: bool, mode: str, seconds: float) -> None:
    memory_search_duration.labels("hnsw" if use_index else "exact", mode).observe(seconds)


def ingestion_job_queued() -> None:
    transaction.on_commit(ingestion_jobs.labels("queued").inc)


def ingestion_job_finished(*, status: str, created_at: datetime.datetime) -> None:
    finished_on_commit(ingestion_jobs, ingestion_job_duration, status=status, created_at=created_at)
