from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

from .verification import WebhookNotConfigured, webhook_signer


@register(Tags.security, deploy=True)
def check_clerk_webhook_secret(
    app_configs: list[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Without a usable secret the Clerk webhook refuses every delivery: users stop mirroring."""
    try:
        webhook_signer(secret=settings.CLERK_WEBHOOK_SECRET)
    except WebhookNotConfigured as exc:
        return [
            Warning(
                str(exc.detail),
                hint="Set CLERK_WEBHOOK_SECRET to the endpoint's signing secret from Clerk.",
                id="webhooks.W001",
            )
        ]
    return []
