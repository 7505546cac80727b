import json
import logging

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import WebhookEvent
from .services import webhook_event_reprocess

logger = logging.getLogger(__name__)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("svix_id", "type", "status", "received_at", "processed_at")
    list_filter = ("type", "status")
    search_fields = ("svix_id",)
    date_hierarchy = "received_at"
    fields = ("svix_id", "type", "status", "error", "received_at", "processed_at", "payload_json")
    readonly_fields = fields
    actions = ("reprocess_failed",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="payload")
    def payload_json(self, event: WebhookEvent) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    @admin.action(description="Reprocess the selected failed events", permissions=("change",))
    def reprocess_failed(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        selected = list(queryset)
        failed = [event for event in selected if event.status == WebhookEvent.Status.FAILED]
        still_failing = 0
        for event in failed:
            try:
                webhook_event_reprocess(event=event)
            except Exception:  # already recorded on the event by the service
                logger.exception("reprocessing webhook %s failed", event.svix_id)
                still_failing += 1
        self.message_user(
            request,
            f"Reprocessed {len(failed) - still_failing}, still failing {still_failing}, "
            f"left alone {len(selected) - len(failed)} that had not failed.",
            messages.WARNING if still_failing else messages.SUCCESS,
        )
