"""Clerk's Backend API, as far as the backfill needs it."""

from collections.abc import Iterator
from typing import Any

import httpx

MAX_PAGE_SIZE = 500
TIMEOUT_SECONDS = 10.0


class ClerkAPIError(Exception):
    """Clerk's API could not be reached or answered something unexpected."""


def _page(client: httpx.Client, *, limit: int, offset: int) -> list[Any]:
    # Oldest first: users created while we page land on later pages, shifting no earlier one.
    params = {"limit": limit, "offset": offset, "order_by": "+created_at"}
    try:
        response = client.get("/v1/users", params=params)
        response.raise_for_status()
        page = response.json()
    except httpx.HTTPStatusError as exc:
        raise ClerkAPIError(f"GET /v1/users answered {exc.response.status_code}") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise ClerkAPIError(f"GET /v1/users failed: {exc}") from exc
    if not isinstance(page, list):
        raise ClerkAPIError("GET /v1/users did not answer with a list of users")
    return page


def clerk_users_iter(*, base_url: str, secret_key: str, page_size: int = 100) -> Iterator[Any]:
    """Every user object in the Clerk instance, a page at a time."""
    headers = {"Authorization": f"Bearer {secret_key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT_SECONDS) as client:
        offset = 0
        while True:
            page = _page(client, limit=page_size, offset=offset)
            yield from page
            if len(page) < page_size:
                return
            offset += page_size
