"""The one way memory changes reach the outside: published to the user's live sockets.

Callers publish inside their transaction; delivery happens only after it commits.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def _send(user_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "client.event", "event": message}
        )
    except Exception:  # live events are best effort: a Redis outage must not fail the write
        logger.warning("could not publish %s to user %s", message.get("type"), user_id)


def close_user_sockets(user_id: int) -> None:
    """Close every live socket of a user (their account is gone)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "user.erased"})


def publish(*, user_id: int, event_type: str, data: dict[str, Any]) -> None:
    """Send `{"type": event_type, **data}` to the user's sockets once the transaction commits."""
    message = {"type": event_type, **data}
    transaction.on_commit(lambda: _send(user_id, message))
