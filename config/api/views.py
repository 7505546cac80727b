"""View building blocks shared by the apps' APIs."""

from typing import Any

from rest_framework import exceptions, mixins, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from .errors import DomainErrorsMixin

MAX_PAGE_SIZE = 200


def validated(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    """The serializer's validated data; a ValidationError (400) otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OwnedViewSet(
    DomainErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """List, read and delete the caller's own objects; create and change are explicit."""

    # Any id reaches the view, which answers 404 for a malformed one as for another user's.
    lookup_value_regex = "[^/]+"


class StrictCursorPagination(CursorPagination):
    """Cursor pages of `page_size` (at most MAX_PAGE_SIZE); a cursor that does not decode is a
    400 naming the `cursor` parameter rather than DRF's 404."""

    page_size = 50
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]}) from None
