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

from core.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

# A publish is one round trip to Redis: past this the layer is taken as stalled.
SEND_TIMEOUT_SECONDS = 0.3
breaker = CircuitBreaker(name="The live events' channel layer")

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


def _send_once(layer: Any, user_id: int, message: dict[str, Any]) -> None:
    future = asyncio.run_coroutine_threadsafe(
        layer.group_send(user_group(user_id), message), _publisher_loop()
    )
    try:
        future.result(SEND_TIMEOUT_SECONDS)
    finally:
        future.cancel()


def _group_send(user_id: int, message: dict[str, Any]) -> None:
    """Best effort: an outage must not fail a write, nor hold its answer (clients reconcile
    over REST), so a layer that failed is skipped while the breaker is open."""
    layer = get_channel_layer()
    if layer is None or not breaker.allow():
        return
    # A second try only for a dropped connection (a Redis restart leaves the old one dead);
    # a Redis that hangs costs one timeout, not two.
    for attempt in range(2):
        try:
            _send_once(layer, user_id, message)
        except (ConnectionError, RedisConnectionError) as exc:
            if attempt:
                breaker.failed(exc)
            continue
        except TimeoutError as exc:
            breaker.failed(exc)
        except Exception:
            logger.exception("could not publish %s to user %s", message.get("type"), user_id)
        else:
            breaker.succeeded()
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
