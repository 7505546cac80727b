"""Thin views: validate, call a selector or a service, render."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import ErrorSerializer
from core.api.views import OwnedViewSet, StrictCursorPagination, validated
from memories.models import Memory, MemoryCollection
from memories.representations import search_result_render
from memories.selectors import (
    memory_collection_get,
    memory_collection_list,
    memory_get,
    memory_history,
    memory_list,
)
from memories.services import (
    memory_collection_create,
    memory_collection_delete,
    memory_collection_update,
    memory_create,
    memory_delete,
    memory_recall,
    memory_update,
)

from .errors import MEMORY_ERRORS
from .serializers import (
    DuplicateMemorySerializer,
    MemoryCollectionInputSerializer,
    MemoryCollectionOutputSerializer,
    MemoryEventOutputSerializer,
    MemoryInputSerializer,
    MemoryListFilterSerializer,
    MemoryOutputSerializer,
    MemorySearchInputSerializer,
    MemorySearchOutputSerializer,
)


class MemoryCursorPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


def _own_collection(request: Request, data: dict[str, Any]) -> None:
    """Swap a collection id for the caller's collection; another user's is 'no such'."""
    if data.get("collection") is None:
        return
    collection = memory_collection_get(user=request.user, collection_id=data["collection"])
    if collection is None:
        raise exceptions.ValidationError({"collection": ["No such collection."]})
    data["collection"] = collection


@extend_schema_view(list=extend_schema(parameters=[MemoryListFilterSerializer]))
class MemoryViewSet(OwnedViewSet):
    """The caller's memories: list, create, read, change, delete, history and search."""

    serializer_class = MemoryOutputSerializer
    pagination_class = MemoryCursorPagination
    domain_errors = MEMORY_ERRORS

    def get_queryset(self) -> Any:
        filters = validated(MemoryListFilterSerializer, self.request.query_params)
        filters.pop("page_size", None)
        filters.pop("cursor", None)
        _own_collection(self.request, filters)
        return memory_list(user=self.request.user, **filters)

    def get_object(self) -> Memory:
        memory = memory_get(user=self.request.user, memory_id=self.kwargs["pk"])
        if memory is None:
            raise exceptions.NotFound()
        return memory

    @extend_schema(
        request=MemoryInputSerializer,
        responses={201: MemoryOutputSerializer, 409: DuplicateMemorySerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(MemoryInputSerializer, request.data)
        _own_collection(request, data)
        memory = memory_create(user=request.user, **data)
        return Response(MemoryOutputSerializer(memory).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MemoryInputSerializer,
        responses={200: MemoryOutputSerializer, 409: DuplicateMemorySerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        memory = self.get_object()
        changes = validated(MemoryInputSerializer, request.data, partial=True)
        _own_collection(request, changes)
        memory = memory_update(memory=memory, actor="user", **changes)
        return Response(MemoryOutputSerializer(memory).data)

    def perform_destroy(self, instance: Memory) -> None:
        memory_delete(memory=instance, actor="user")

    @extend_schema(responses=MemoryEventOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str) -> Response:
        events = memory_history(user=request.user, memory_id=pk)
        if events is None:
            raise exceptions.NotFound()
        return Response(MemoryEventOutputSerializer(events, many=True).data)

    @extend_schema(request=MemorySearchInputSerializer, responses=MemorySearchOutputSerializer)
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        query = validated(MemorySearchInputSerializer, request.data)
        _own_collection(request, query)
        results = memory_recall(user=request.user, **query)
        # Rendered directly: a serializer per request would deep-copy its fields for nothing.
        return Response(
            {"results": [search_result_render(**result._asdict()) for result in results]}
        )


class MemoryCollectionViewSet(OwnedViewSet):
    """The caller's collections; names are unique per user, ignoring case."""

    serializer_class = MemoryCollectionOutputSerializer
    pagination_class = None
    domain_errors = MEMORY_ERRORS

    def get_queryset(self) -> Any:
        return memory_collection_list(user=self.request.user)

    def get_object(self) -> MemoryCollection:
        collection = memory_collection_get(user=self.request.user, collection_id=self.kwargs["pk"])
        if collection is None:
            raise exceptions.NotFound()
        return collection

    @extend_schema(
        request=MemoryCollectionInputSerializer,
        responses={201: serializer_class, 409: ErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(MemoryCollectionInputSerializer, request.data)
        collection = memory_collection_create(user=request.user, **data)
        return Response(self.get_serializer(collection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=MemoryCollectionInputSerializer,
        responses={200: serializer_class, 409: ErrorSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        collection = self.get_object()
        changes = validated(MemoryCollectionInputSerializer, request.data, partial=True)
        collection = memory_collection_update(collection=collection, **changes)
        return Response(self.get_serializer(collection).data)

    def perform_destroy(self, instance: MemoryCollection) -> None:
        memory_collection_delete(collection=instance)
