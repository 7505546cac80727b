"""Svix signature verification of Clerk deliveries, on the raw body exactly as received."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException
from standardwebhooks.webhooks import EmptyWebhookSecretError
from svix.webhooks import Webhook, WebhookVerificationError

from core.api.parsers import check_storable

MAX_SVIX_ID_LENGTH = 100
SIGNATURE_HEADERS = ("id", "timestamp", "signature")


class DeliveryRejected(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The delivery was rejected."
    default_code = "invalid_delivery"


class WebhookNotConfigured(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "CLERK_WEBHOOK_SECRET is not set: deliveries are refused until it is."
    default_code = "webhook_not_configured"


@dataclass(frozen=True)
class Delivery:
    """A delivery whose signature checked out."""

    svix_id: str
    payload: Any


def webhook_signer(*, secret: str) -> Webhook:
    """The verifier for `secret`; WebhookNotConfigured when it is unset or not a whsec_ key."""
    if not secret:
        raise WebhookNotConfigured()
    try:
        return Webhook(secret)
    except (ValueError, EmptyWebhookSecretError) as exc:
        raise WebhookNotConfigured(
            "CLERK_WEBHOOK_SECRET is not a valid whsec_ secret: deliveries are refused."
        ) from exc


def _signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # svix's precedence (svix-* over webhook-*), resolved here so that the id we record is the
    # one that was signed.
    return {
        f"webhook-{name}": headers.get(f"svix-{name}", headers.get(f"webhook-{name}", ""))
        for name in SIGNATURE_HEADERS
    }


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_json(body: bytes, text: str) -> Any:
    # PostgreSQL's jsonb holds neither NaN/Infinity nor NUL characters or lone surrogates:
    # such a delivery is refused with a 400 naming the field, and nothing is stored.
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise DeliveryRejected("The body is not JSON.", code="invalid_body") from exc
    check_storable(body, payload)
    return payload


def delivery_verify(*, signer: Webhook, body: bytes, headers: Mapping[str, str]) -> Delivery:
    """Check the Svix signature of `body` and parse it; DeliveryRejected says why not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeliveryRejected("The body is not UTF-8.", code="invalid_body") from exc
    signed = _signature_headers(headers)
    try:
        signer.verify(text, signed)
    except WebhookVerificationError as exc:
        raise DeliveryRejected(f"Signature check failed: {exc}.", code="invalid_signature") from exc
    except (ValueError, TypeError) as exc:
        raise DeliveryRejected(
            "The signature header is malformed.", code="invalid_signature"
        ) from exc
    svix_id = signed["webhook-id"]
    if len(svix_id) > MAX_SVIX_ID_LENGTH:
        raise DeliveryRejected(
            f"The message id is longer than {MAX_SVIX_ID_LENGTH} characters.", code="invalid_id"
        )
    return Delivery(svix_id=svix_id, payload=_parse_json(body, text))
