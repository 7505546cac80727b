from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.views import (
    ConversationViewSet,
    MessageCancelView,
    MessageDetailView,
    MessageListView,
    MessageRetryView,
)

app_name = "conversations-api"

router = SimpleRouter(trailing_slash=False)
router.register("conversations", ConversationViewSet, basename="conversation")

MESSAGE = "conversations/<str:conversation_id>/messages/<str:message_id>"

urlpatterns: list = [
    path("conversations/<str:conversation_id>/messages", MessageListView.as_view(),
         name="conversation-messages"),
    path(MESSAGE, MessageDetailView.as_view(), name="conversation-message"),
    path(f"{MESSAGE}/cancel", MessageCancelView.as_view(), name="conversation-message-cancel"),
    path(f"{MESSAGE}/retry", MessageRetryView.as_view(), name="conversation-message-retry"),
    path("", include(router.urls)),
]  # fmt: skip
