"""The web processes' own metrics (the domain apps keep theirs in `<app>/metrics.py`).

prometheus_client in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (config/serve.py
and `make dev` set it): each process writes its samples to files there and a scrape adds them
up. Labels are bounded: route names from the URL patterns, a fixed set of methods, the status.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter, Gauge, Histogram

# Latency buckets from a cheap health probe (about a millisecond) to a slow search.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

http_requests = Counter(
    "http_requests", "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
http_request_duration = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request, by route.", ["route"],
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
http_request_queries = Histogram(
    "http_request_db_queries", "Database queries an HTTP request ran, by route.", ["route"],
    buckets=QUERY_BUCKETS,
)  # fmt: skip
websockets_open = Gauge(
    "websockets_open", "Websocket connections open now.", multiprocess_mode="livesum"
)


def method_label(method: str | None) -> str:
    return method if method in METHODS else "other"


_request_children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}


def request_observe(*, route: str, method: str | None, status: int, seconds: float, queries: int):
    """One answered request. The labelled children are kept by their (bounded) labels:
    `labels()` was the largest part of recording a request."""
    key = (route, method_label(method), status)
    children = _request_children.get(key)
    if children is None:
        children = _request_children[key] = (
            http_requests.labels(key[0], key[1], str(status)),
            http_request_duration.labels(route),
            http_request_queries.labels(route),
        )
    children[0].inc()
    children[1].observe(seconds)
    children[2].observe(queries)


def finished_on_commit(
    counter: Counter, duration: Histogram, *, status: str, created_at: datetime.datetime
) -> None:
    """Count a piece of work (a job, a reply) that ended with `status` and observe how long
    it took since `created_at`, once the transaction that finished it commits."""
    seconds = (timezone.now() - created_at).total_seconds()

    def record() -> None:
        counter.labels(status).inc()
        duration.labels(status).observe(seconds)

    transaction.on_commit(record)
