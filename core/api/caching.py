"""Cache headers for answers that hold one person's data."""

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response


class NoStoreMixin:
    """No cache, the browser's or a shared one, may keep these answers (errors included)."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["Cache-Control"] = "no-store"
        return response
