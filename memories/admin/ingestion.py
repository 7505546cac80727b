"""Staff see why a user's ingestion job failed, send a failed one again, and fail a stuck one.
Both actions go through the job's services, so the owner's socket hears of them."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin import LargeTablePaginator
from memories.models import IngestionJob
from memories.services import ingestion_job_fail, ingestion_job_retry

FAILED_BY_STAFF = "failed by staff"
ACTION_LIMIT = 1000


@admin.register(IngestionJob)
class IngestionJobAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "status", "attempts", "created_at", "finished_at")
    list_filter = ("status", "created_at")
    list_select_related = ("user",)
    search_fields = ("=user__email", "=user__clerk_user_id")
    search_help_text = "An owner's exact email or Clerk id."
    show_full_result_count = False
    paginator = LargeTablePaginator
    fields = ("user", "status", "attempts", "messages_shown", "result", "error", "idempotency_key",
              "created_at", "enqueued_at", "started_at", "finished_at", "updated_at")  # fmt: skip
    readonly_fields = fields
    actions = ("retry", "fail")

    def get_queryset(self, request: HttpRequest) -> QuerySet[IngestionJob]:
        return super().get_queryset(request).defer("messages")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs come from their owners' conversations

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the actions are the only way to change a job

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("memories.change_ingestionjob")

    @admin.display(description="messages")
    def messages_shown(self, job: IngestionJob) -> str:
        return format_html("<pre>{}</pre>", json.dumps(job.messages, indent=2, ensure_ascii=False))

    @admin.action(description="Retry the selected failed jobs", permissions=["operate"])
    def retry(self, request: HttpRequest, queryset: QuerySet[IngestionJob]) -> None:
        job_ids = self._selected_ids(queryset.filter(status=IngestionJob.Status.FAILED))
        retried = sum(ingestion_job_retry(job_id=job_id) for job_id in job_ids)
        self.message_user(request, f"Sent {retried} failed jobs again.", messages.SUCCESS)

    @admin.action(description="Fail the selected unfinished jobs", permissions=["operate"])
    def fail(self, request: HttpRequest, queryset: QuerySet[IngestionJob]) -> None:
        unfinished = (IngestionJob.Status.QUEUED, IngestionJob.Status.RUNNING)
        job_ids = self._selected_ids(queryset.filter(status__in=unfinished))
        for job_id in job_ids:
            ingestion_job_fail(job_id=job_id, error=FAILED_BY_STAFF)
        self.message_user(request, f"Failed {len(job_ids)} unfinished jobs.", messages.SUCCESS)

    @staticmethod
    def _selected_ids(queryset: QuerySet[IngestionJob]) -> list:
        return list(queryset.order_by().values_list("pk", flat=True)[:ACTION_LIMIT])
