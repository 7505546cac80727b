"""Content negotiation with a shortcut for what API clients send (no Accept, */*, JSON)."""

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

PLAIN_ACCEPTS = frozenset({None, "", "*/*", "application/json"})


class JSONFirstNegotiation(DefaultContentNegotiation):
    """The first renderer for a request that asks for nothing else, as DRF would pick it, without
    parsing the header; anything else (a format, another type, parameters) goes DRF's way."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, Any]:
        plain = (
            not format_suffix
            and request.META.get("HTTP_ACCEPT") in PLAIN_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in request.GET
        )
        if plain and renderers[0].media_type == "application/json":
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
