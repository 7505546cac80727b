"""Applying Clerk events exactly once: an event's row and its effect commit together."""

import enum
import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from accounts.services import UserTombstoned, user_erase, user_upsert_from_clerk

from .metrics import DUPLICATE, delivery_observe
from .models import WebhookEvent

logger = logging.getLogger(__name__)


class ClerkUserOutcome(enum.Enum):
    """What mirroring one Clerk user object did; anything but APPLIED changed nothing."""

    APPLIED = "applied"
    STALE = "older than the profile already stored"
    TOMBSTONED = "the user was deleted upstream and stays deleted"


def clerk_user_apply(*, data: dict[str, Any]) -> ClerkUserOutcome:
    """Mirror a validated Clerk user object; an older one than stored changes nothing."""
    try:
        user_id = user_upsert_from_clerk(data=data)
    except UserTombstoned:
        return ClerkUserOutcome.TOMBSTONED
    return ClerkUserOutcome.APPLIED if user_id is not None else ClerkUserOutcome.STALE


def _clerk_user_erase(data: dict[str, Any]) -> ClerkUserOutcome:
    user_erase(clerk_user_id=data["id"])
    return ClerkUserOutcome.APPLIED


HANDLERS: dict[str, Callable[[dict[str, Any]], ClerkUserOutcome]] = {
    "user.created": lambda data: clerk_user_apply(data=data),
    "user.updated": lambda data: clerk_user_apply(data=data),
    "user.deleted": _clerk_user_erase,
}
UNHANDLED_TYPE = "not an event type we act on"


def _apply(event: WebhookEvent) -> None:
    handler = HANDLERS.get(event.type)
    if handler is None:
        event.status, event.error = WebhookEvent.Status.IGNORED, UNHANDLED_TYPE
    else:
        outcome = handler(event.payload["data"])
        applied = outcome is ClerkUserOutcome.APPLIED
        event.status = WebhookEvent.Status.PROCESSED if applied else WebhookEvent.Status.IGNORED
        event.error = "" if applied else outcome.value
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "processed_at"])


def _event_locked(*, svix_id: str, event_type: str, payload: Any) -> WebhookEvent:
    """The delivery's row, locked until commit: inserted as `failed` (not yet applied) if new.

    ON CONFLICT DO NOTHING waits for a copy being inserted concurrently and then yields to it,
    in one round trip; only a repeat pays for the second query that locks the existing row.
    """
    inserted = WebhookEvent.objects.raw(
        f"INSERT INTO {WebhookEvent._meta.db_table} "
        "(svix_id, type, payload, status, error, received_at) "
        "VALUES (%s, %s, %s, %s, '', now()) ON CONFLICT (svix_id) DO NOTHING RETURNING *",
        [svix_id, event_type, Jsonb(payload), WebhookEvent.Status.FAILED],
    )
    for event in inserted:
        return event
    return WebhookEvent.objects.select_for_update().get(svix_id=svix_id)


def _failure_record(*, svix_id: str, event_type: str, payload: Any, error: str) -> None:
    try:
        with transaction.atomic():
            event = _event_locked(svix_id=svix_id, event_type=event_type, payload=payload)
            if event.status == WebhookEvent.Status.FAILED:
                event.error = error
                event.save(update_fields=["error"])
    except DatabaseError:
        logger.exception("could not record the failure of webhook %s", svix_id)


def webhook_event_process(
    *, svix_id: str, event_type: str, payload: Any
) -> tuple[WebhookEvent, bool]:
    """Apply a verified delivery unless its `svix_id` already took effect.

    Returns the event and whether this call applied it. Copies arriving together wait on the
    row's lock and then find it done. A failure rolls the effect back, is recorded as `failed`
    and re-raised, so that the sender's retry (or the admin) applies it once.
    """
    handled = event_type in HANDLERS
    try:
        with transaction.atomic():
            event = _event_locked(svix_id=svix_id, event_type=event_type, payload=payload)
            if event.status != WebhookEvent.Status.FAILED:
                delivery_observe(event_type=event_type, handled=handled, status=DUPLICATE)
                return event, False
            _apply(event)
    except Exception as exc:
        delivery_observe(event_type=event_type, handled=handled, status=WebhookEvent.Status.FAILED)
        _failure_record(
            svix_id=svix_id,
            event_type=event_type,
            payload=payload,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    delivery_observe(event_type=event_type, handled=handled, status=event.status)
    return event, True


def webhook_event_reprocess(*, event: WebhookEvent) -> tuple[WebhookEvent, bool]:
    """Apply a failed event again from its stored payload; a done one is left as it is."""
    return webhook_event_process(
        svix_id=event.svix_id, event_type=event.type, payload=event.payload
    )
