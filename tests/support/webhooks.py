"""Clerk-shaped events, signed with svix's own signer, delivered to the real endpoint."""

import base64
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from svix.webhooks import Webhook

WEBHOOK_URL = "/api/v1/webhooks/clerk"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"companion-test-webhook-secret-32").decode()

_ids = itertools.count(1)


def clerk_user(
    user_id: str, *, updated_at: int = 1_700_000_000_000, email: str = "ada@example.com", **fields
) -> dict[str, Any]:
    """A Clerk user object; the primary email is deliberately not the first address."""
    return {
        "id": user_id,
        "object": "user",
        "username": fields.get("username", "ada"),
        "first_name": fields.get("first_name", "Ada"),
        "last_name": fields.get("last_name", "Lovelace"),
        "image_url": "https://img.clerk.com/ada.png",
        "email_addresses": [
            {"id": "idn_secondary", "object": "email_address", "email_address": "old@example.com"},
            {"id": "idn_primary", "object": "email_address", "email_address": email},
        ],
        "primary_email_address_id": "idn_primary",
        "phone_numbers": [],
        "public_metadata": {},
        "private_metadata": {},
        "created_at": 1_690_000_000_000,
        "updated_at": updated_at,
        "last_sign_in_at": None,
    }


def clerk_event(event_type: str, data: Any) -> dict[str, Any]:
    return {
        "data": data,
        "object": "event",
        "type": event_type,
        "instance_id": "ins_test",
        "timestamp": 1_700_000_000_000,
    }


def deleted_event(user_id: str) -> dict[str, Any]:
    return clerk_event("user.deleted", {"id": user_id, "object": "user", "deleted": True})


def new_svix_id() -> str:
    return f"msg_test{next(_ids):08d}"


def signed_headers(
    body: str,
    *,
    svix_id: str | None = None,
    prefix: str = "svix",
    timestamp: datetime | None = None,
    secret: str = WEBHOOK_SECRET,
) -> dict[str, str]:
    svix_id = svix_id or new_svix_id()
    timestamp = timestamp or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(svix_id, timestamp, body)
    return {
        f"{prefix}-id": svix_id,
        f"{prefix}-timestamp": str(int(timestamp.timestamp())),
        f"{prefix}-signature": signature,
    }


def post_raw(client: Any, body: str | bytes, headers: dict[str, str], **extra: Any) -> Any:
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", headers=headers, **extra
    )


def deliver(client: Any, event: dict[str, Any], **sign: Any) -> Any:
    """Sign `event` as Svix would and post it; returns the response."""
    body = json.dumps(event)
    return post_raw(client, body, signed_headers(body, **sign))


def past(minutes: float) -> datetime:
    return datetime.now(tz=UTC) - timedelta(minutes=minutes)
