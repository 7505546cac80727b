"""OpenAPI description of the Clerk session-token authentication."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ClerkAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ClerkAuthentication"
    name = "clerkSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Clerk session token, as a Bearer header or the `__session` cookie.",
        }
