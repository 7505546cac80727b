"""Counting the database queries a page costs."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def get_counting_queries(client: Any, url: str) -> tuple[Any, int]:
    """GET `url` (it must answer 200): the response and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)
