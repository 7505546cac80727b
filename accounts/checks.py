from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .clerk import PemKeySource


@register(Tags.security)
def check_clerk_jwt_key(app_configs: list[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """A CLERK_JWT_KEY that is not an RSA public key would turn every request into a 500."""
    if not settings.CLERK_JWT_KEY:
        return []
    try:
        PemKeySource(settings.CLERK_JWT_KEY)
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Paste the PEM public key from Clerk's API keys page (literal \\n is fine).",
                id="accounts.E001",
            )
        ]
    return []
