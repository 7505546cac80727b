"""The one way memory changes reach the outside: published to the user's live sockets.

Callers publish inside their transaction; delivery happens only after it commits.
"""

import asyncio
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 2.0

_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop thread per process, so sync callers (views, Celery tasks) reuse one
    channel layer and its Redis connection instead of a new loop and connection per event."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():  # a forked worker needs its own thread
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="live-events", daemon=True).start()
            _loop_pid = os.getpid()
        return _loop


def _group_send(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # A second try only for a dropped connection (a Redis restart leaves the old one dead);
    # a Redis that hangs costs one timeout, not two.
    for attempt in range(2):
        send = layer.group_send(user_group(user_id), message)
        future = asyncio.run_coroutine_threadsafe(send, _publisher_loop())
        try:
            future.result(SEND_TIMEOUT_SECONDS)
            return
        except Exception as exc:  # live events are best effort: an outage must not fail a write
            future.cancel()
            if attempt or not isinstance(exc, ConnectionError | RedisConnectionError):
                logger.warning("could not publish %s to user %s", message.get("type"), user_id)
                return


def close_user_sockets(user_id: int) -> None:
    """Close every live socket of a user (their account is gone)."""
    _group_send(user_id, {"type": "user.erased"})


def _send(user_id: int, event: dict[str, Any]) -> None:
    _group_send(user_id, {"type": "client.event", "event": event})


def publish(*, user_id: int, event_type: str, data: dict[str, Any]) -> None:
    """Send `{"type": event_type, **data}` to the user's sockets once the transaction commits."""
    event = {"type": event_type, **data}
    transaction.on_commit(lambda: _send(user_id, event))
