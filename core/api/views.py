"""View building blocks shared by the apps' APIs."""

import base64
import functools
from typing import Any
from urllib.parse import parse_qsl

from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, mixins, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from .errors import DomainErrorsMixin
from .serializers import serializer_built

MAX_PAGE_SIZE = 200


@functools.cache
def _validator(serializer_class: type, partial: bool) -> Any:
    return serializer_built(serializer_class(partial=partial))


def validated(serializer_class: type, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """The serializer's validated data; a ValidationError (400) otherwise.

    Validated by one long-lived instance per class (see `serializer_built`).
    """
    return _validator(serializer_class, partial).run_validation(data)


class OwnedViewSet(
    DomainErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """List, read and delete the caller's own objects; create and change are explicit."""

    # Any id reaches the view, which answers 404 for a malformed one as for another user's.
    lookup_value_regex = "[^/]+"


class StrictCursorPagination(CursorPagination):
    """Cursor pages of `page_size` (at most MAX_PAGE_SIZE). A cursor we did not issue is a 400
    `invalid_cursor` naming the parameter, rather than DRF's 404 or, for a position that is not
    a timestamp, a 500 (every ordering here starts with a datetime field)."""

    page_size = 50
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Request) -> Any:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not _is_cursor_we_issue(encoded):
            raise _invalid_cursor()
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise _invalid_cursor() from None
        if cursor is not None and not _is_timestamp(cursor.position):
            raise _invalid_cursor()
        return cursor


CURSOR_KEYS = frozenset({"o", "r", "p"})


def _invalid_cursor() -> exceptions.ValidationError:
    return exceptions.ValidationError({"cursor": ["Invalid cursor."]}, code="invalid_cursor")


def _is_cursor_we_issue(encoded: str) -> bool:
    """Strict base64 of a query string with only DRF's keys (DRF's own decoding is lenient:
    it drops stray characters and reads NUL bytes as an empty cursor)."""
    try:
        query = base64.b64decode(encoded, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return False
    keys = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
    return bool(keys) and keys <= CURSOR_KEYS


def _is_timestamp(position: str | None) -> bool:
    if position is None:
        return True
    try:
        return parse_datetime(position) is not None
    except ValueError:
        return False
