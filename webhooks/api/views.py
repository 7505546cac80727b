from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.parsers import PayloadTooLarge
from core.api.throttles import WebhookThrottle
from webhooks.services import webhook_event_process
from webhooks.verification import DeliveryRejected, delivery_verify, webhook_signer

from .serializers import (
    EVENT_INPUT,
    EVENT_OUTPUT,
    ClerkEventInputSerializer,
    WebhookEventOutputSerializer,
)

MAX_BODY_BYTES = 1024 * 1024
TOO_LARGE = f"The body is larger than {MAX_BODY_BYTES} bytes."


def _raw_body(request: Request) -> bytes:
    """The body exactly as sent, refused above the limit before and after reading it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise DeliveryRejected("Content-Length is not a number.", code="invalid_headers") from exc
    if declared > MAX_BODY_BYTES:
        raise PayloadTooLarge(TOO_LARGE)
    try:
        body = request.body
    except RequestDataTooBig as exc:  # a chunked body past Django's own limit
        raise PayloadTooLarge(TOO_LARGE) from exc
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(TOO_LARGE)
    return body


class ClerkWebhookView(APIView):
    """Clerk's user events, delivered by Svix: public, authenticated by their signature."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (WebhookThrottle,)
    max_body_bytes = MAX_BODY_BYTES  # a chunked body stops being read past it

    @extend_schema(
        operation_id="webhooks_clerk",
        request=ClerkEventInputSerializer,
        responses={
            200: WebhookEventOutputSerializer,
            400: OpenApiResponse(description="Bad signature, headers or body; nothing stored."),
            413: OpenApiResponse(description="Body over 1 MB."),
            429: OpenApiResponse(description="Too many deliveries from this address."),
            503: OpenApiResponse(description="CLERK_WEBHOOK_SECRET is not configured."),
        },
    )
    def post(self, request: Request) -> Response:
        signer = webhook_signer(secret=settings.CLERK_WEBHOOK_SECRET)
        delivery = delivery_verify(signer=signer, body=_raw_body(request), headers=request.headers)
        event_type = EVENT_INPUT.run_validation(delivery.payload)["type"]
        event, applied = webhook_event_process(
            svix_id=delivery.svix_id, event_type=event_type, payload=delivery.payload
        )
        return Response(
            EVENT_OUTPUT.to_representation(
                {
                    "svix_id": event.svix_id,
                    "type": event.type,
                    "status": event.status,
                    "duplicate": not applied,
                }
            )
        )
