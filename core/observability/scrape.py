"""`GET /metrics`: the Prometheus text format, for a scraper holding METRICS_TOKEN as a Bearer
token (unset: the endpoint does not exist). In multiprocess mode the samples of every process
writing to PROMETHEUS_MULTIPROC_DIR are added up; the Celery queue length is read from the
broker at scrape time."""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import redis
from celery import current_app
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from core.api.errors import json_error, not_found
from core.clients import process_client
from core.processes import process_alive

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's messages of priority n > 0 in `<queue>\x06\x16<n>`.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
BROKER_TIMEOUT_SECONDS = 1.0
LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def _authorized(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def _unauthorized() -> JsonResponse:
    response = json_error("A valid metrics token is required.", "not_authenticated", 401)
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _forget_dead_processes(folder: str) -> None:
    """A live gauge (open websockets) must not count the sockets of a process that died: no
    server here tells us when a worker exits, so look at the pids the files name."""
    for path in Path(folder).glob("gauge_live*_*.db"):
        found = LIVE_GAUGE_FILE.fullmatch(path.name)
        if found and not process_alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), folder)


def _process_samples() -> CollectorRegistry:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    _forget_dead_processes(folder)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=folder)
    return registry


@process_client
def _broker_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
    )


def _queue_keys(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]


class QueueLengthCollector:
    """`celery_queue_length{queue}`: messages waiting in each queue the workers consume."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
        )
        queues = sorted(current_app.amqp.queues)
        try:
            with _broker_client().pipeline(transaction=False) as pipe:
                for queue in queues:
                    for key in _queue_keys(queue):
                        pipe.llen(key)
                lengths = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("queue length not read from the broker: %s", exc)
            return
        steps = len(PRIORITY_STEPS)
        for index, queue in enumerate(queues):
            family.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
        yield family


def _broker_samples() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(QueueLengthCollector())
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return not_found(request)
    if request.method not in ("GET", "HEAD"):
        return json_error("Only GET is allowed here.", "method_not_allowed", 405)
    if not _authorized(request, token):
        return _unauthorized()
    body = generate_latest(_process_samples()) + generate_latest(_broker_samples())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
