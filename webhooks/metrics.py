"""Webhook deliveries by event type and outcome (Prometheus)."""

from __future__ import annotations

from prometheus_client import Counter

OTHER_TYPE = "other"
DUPLICATE = "duplicate"

webhook_deliveries = Counter(
    "webhook_deliveries",
    "Verified webhook deliveries, by event type (the ones we act on, else `other`) and status "
    "(processed, ignored, failed, or duplicate for a repeat).",
    ["type", "status"],
)


def delivery_observe(*, event_type: str, handled: bool, status: str) -> None:
    """Unhandled types count as `other`: a sender cannot grow the label set."""
    webhook_deliveries.labels(event_type if handled else OTHER_TYPE, status).inc()
