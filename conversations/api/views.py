"""Thin views: validate, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import Conflict, DomainErrors, DomainErrorsMixin
from core.api.schema import ConflictSerializer
from core.api.views import OwnedViewSet, StrictCursorPagination, validated

from ..models import Conversation, Message
from ..selectors import conversation_get, conversation_list, message_get, message_list
from ..services import (
    NotAReply,
    ReplyInProgress,
    ReplyNotCancellable,
    ReplyNotRetryable,
    conversation_create,
    conversation_delete,
    conversation_update,
    message_send,
    reply_cancel,
    reply_retry,
)
from .serializers import (
    ConversationInputSerializer,
    ConversationOutputSerializer,
    MessageOutputSerializer,
    MessageSendInputSerializer,
    MessageSentSerializer,
)

CONVERSATION_ERRORS: DomainErrors = {
    ReplyInProgress: lambda exc: Conflict(
        "The companion is still replying in this conversation.", "reply_in_progress"
    ),
    NotAReply: lambda exc: Conflict(
        "Only the companion's replies can be cancelled or retried.", "not_a_reply"
    ),
    ReplyNotCancellable: lambda exc: Conflict("The reply has already finished.", "reply_finished"),
    ReplyNotRetryable: lambda exc: Conflict(
        "Only a failed or cancelled reply can be retried.", "reply_not_retryable"
    ),
}


class ConversationCursorPagination(StrictCursorPagination):
    ordering = ("-last_activity_at", "-id")


class MessageCursorPagination(StrictCursorPagination):
    ordering = ("created_at", "id")


def _own_conversation(request: Request, conversation_id: str) -> Conversation:
    conversation = conversation_get(user=request.user, conversation_id=conversation_id)
    if conversation is None:
        raise exceptions.NotFound()
    return conversation


def _own_message(request: Request, conversation_id: str, message_id: str) -> Message:
    conversation = _own_conversation(request, conversation_id)
    message = message_get(conversation=conversation, message_id=message_id)
    if message is None:
        raise exceptions.NotFound()
    return message


class ConversationViewSet(OwnedViewSet):
    """The caller's conversations: list (most recently active first), create, read, rename,
    delete (with their messages)."""

    serializer_class = ConversationOutputSerializer
    domain_errors = CONVERSATION_ERRORS
    pagination_class = ConversationCursorPagination

    def get_queryset(self) -> Any:
        return conversation_list(user=self.request.user)

    def get_object(self) -> Conversation:
        return _own_conversation(self.request, self.kwargs["pk"])

    @extend_schema(request=ConversationInputSerializer, responses={201: serializer_class})
    def create(self, request: Request) -> Response:
        data = validated(ConversationInputSerializer, request.data)
        conversation = conversation_create(user=request.user, **data)
        return Response(self.get_serializer(conversation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConversationInputSerializer, responses=serializer_class)
    def partial_update(self, request: Request, pk: str) -> Response:
        conversation = self.get_object()
        changes = validated(ConversationInputSerializer, request.data, partial=True)
        if "title" in changes:
            conversation = conversation_update(conversation=conversation, title=changes["title"])
        return Response(self.get_serializer(conversation).data)

    def perform_destroy(self, instance: Conversation) -> None:
        conversation_delete(conversation=instance)


class ConversationAPIView(DomainErrorsMixin, APIView):
    domain_errors = CONVERSATION_ERRORS


class MessageListView(ConversationAPIView):
    """A conversation's messages, oldest first; send one and the companion replies."""

    # Read by drf-spectacular too, which then documents the answer as the page it is.
    pagination_class = MessageCursorPagination

    @extend_schema(responses=MessageOutputSerializer(many=True))
    def get(self, request: Request, conversation_id: str) -> Response:
        conversation = _own_conversation(request, conversation_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(message_list(conversation=conversation), request, self)
        return paginator.get_paginated_response(MessageOutputSerializer(page, many=True).data)

    @extend_schema(
        request=MessageSendInputSerializer,
        responses={202: MessageSentSerializer, 409: ConflictSerializer},
        description="Stores the message and a pending reply; the reply streams on /ws/events "
        "(message.delta, then message.completed, message.failed or message.cancelled).",
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        conversation = _own_conversation(request, conversation_id)
        data = validated(MessageSendInputSerializer, request.data)
        said, reply, _ = message_send(conversation=conversation, **data)
        body = {
            "message": MessageOutputSerializer(said).data,
            "reply": MessageOutputSerializer(reply).data,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)


class MessageDetailView(ConversationAPIView):
    """One message: a client that reconnects reads a reply's state here."""

    @extend_schema(responses=MessageOutputSerializer)
    def get(self, request: Request, conversation_id: str, message_id: str) -> Response:
        message = _own_message(request, conversation_id, message_id)
        return Response(MessageOutputSerializer(message).data)


class MessageCancelView(ConversationAPIView):
    """Stop a pending or streaming reply (the model call stops before its next chunk)."""

    @extend_schema(request=None, responses={200: MessageOutputSerializer, 409: ConflictSerializer})
    def post(self, request: Request, conversation_id: str, message_id: str) -> Response:
        reply = reply_cancel(reply=_own_message(request, conversation_id, message_id))
        return Response(MessageOutputSerializer(reply).data)


class MessageRetryView(ConversationAPIView):
    """Run a failed or cancelled reply again, from scratch."""

    @extend_schema(request=None, responses={202: MessageOutputSerializer, 409: ConflictSerializer})
    def post(self, request: Request, conversation_id: str, message_id: str) -> Response:
        reply = reply_retry(reply=_own_message(request, conversation_id, message_id))
        return Response(MessageOutputSerializer(reply).data, status=status.HTTP_202_ACCEPTED)
