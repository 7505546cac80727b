"""The one seam through which a service sends work to the Celery workers: by task name, so that
services never import the tasks that call them."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from typing import Any

from celery import current_app
from django.conf import settings
from kombu.exceptions import KombuError
from kombu.pools import ProducerPool
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

INGESTION_JOB_RUN = "memories.tasks.ingestion_job_run"

# Publishing from a request must not hang when Redis is down: no reconnection loop, short
# socket timeouts. The caller's row is saved either way and a sweep sends it later.
FAIL_FAST_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 1, "socket_timeout": 2}
BROKER_ERRORS = (KombuError, RedisError, OSError)
# Connections kept per process: a new one per publish (connect, declare the queue, close) cost
# more than the rest of a reply's bookkeeping. As many as the threads that publish at once.
PRODUCER_POOL_LIMIT = 64


@functools.cache
def _producers(pid: int) -> ProducerPool:
    """The publishing connections of process `pid`: a forked child never uses its parent's."""
    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **FAIL_FAST_TRANSPORT_OPTIONS}
    connection = current_app.connection_for_write(transport_options=options)
    return ProducerPool(connection.Pool(limit=PRODUCER_POOL_LIMIT), limit=PRODUCER_POOL_LIMIT)


def task_send(*, name: str, args: Sequence[Any]) -> bool:
    """Publish a run of the task; False (and a warning) when the broker cannot take it now.

    Not `delay_on_commit`: callers publish after commit themselves, so that a broker outage is
    caught here instead of failing the request that saved the work.
    """
    try:
        with _producers(os.getpid()).acquire(block=True) as producer:
            current_app.send_task(name, args=list(args), producer=producer, retry=False)
    except BROKER_ERRORS as exc:
        logger.warning("%s%s not sent, the sweep will retry: %s", name, list(args), exc)
        return False
    return True
