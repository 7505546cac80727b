"""Staff read missions and their steps, and may cancel one; nothing else here changes them."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin

from .models import Mission, MissionStep
from .services import MissionAlreadyCancelled, MissionFinished, mission_cancel

STEP_FIELDS = ("index", "kind", "title", "status", "attempts", "output", "started_at",
               "finished_at")  # fmt: skip
MISSION_FIELDS = ("user", "title", "goal", "status", "question_text", "question_asked_at",
                  "wake_at", "collection", "summary", "error", "attempts", "client_mission_id",
                  "created_at", "updated_at", "finished_at")  # fmt: skip


class MissionStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MissionStep
    fields = STEP_FIELDS
    readonly_fields = STEP_FIELDS
    ordering = ("index",)
    extra = 0


@admin.register(Mission)
class MissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "user", "status", "attempts", "wake_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("user",)
    search_fields = ("title", "=user__email")
    readonly_fields = MISSION_FIELDS
    fields = MISSION_FIELDS
    inlines = (MissionStepInline,)
    actions = ("cancel_missions",)
    show_full_result_count = False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("missions.change_mission")

    @admin.action(description="Cancel the selected missions", permissions=["operate"])
    def cancel_missions(self, request: HttpRequest, queryset: QuerySet[Mission]) -> None:
        cancelled = 0
        for mission in queryset:
            try:
                mission_cancel(mission=mission)
            except (MissionAlreadyCancelled, MissionFinished):
                continue
            cancelled += 1
        self.message_user(request, f"{cancelled} mission(s) cancelled.", messages.SUCCESS)
