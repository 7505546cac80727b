"""Staff read conversations and their messages; nothing here changes them."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.admin import user_admin_count
from core.admin import ReadOnlyAdminMixin

from .models import Conversation, Message

MESSAGE_FIELDS = ("created_at", "role", "status", "content", "model", "usage", "error",
                  "recalled_memory_ids", "ingestion_job")  # fmt: skip


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    fk_name = "conversation"
    fields = MESSAGE_FIELDS
    readonly_fields = MESSAGE_FIELDS
    ordering = ("created_at", "id")
    extra = 0
    show_change_link = False


user_admin_count(label="conversations", model=Conversation)


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "user", "message_count", "last_activity_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("title", "=user__email")
    readonly_fields = ("user", "title", "created_at", "updated_at", "last_activity_at")
    fields = readonly_fields
    inlines = (MessageInline,)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return super().get_queryset(request).annotate(message_total=Count("messages"))

    @admin.display(description="messages", ordering="message_total")
    def message_count(self, conversation: Conversation) -> int:
        return conversation.message_total
