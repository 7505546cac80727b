from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.views import (
    MissionAnswerView,
    MissionCancelView,
    MissionPauseView,
    MissionResumeView,
    MissionRetryView,
    MissionViewSet,
)

app_name = "missions-api"

router = SimpleRouter(trailing_slash=False)
router.register("missions", MissionViewSet, basename="mission")

MISSION = "missions/<str:mission_id>"

urlpatterns: list = [
    path(f"{MISSION}/answer", MissionAnswerView.as_view(), name="mission-answer"),
    path(f"{MISSION}/pause", MissionPauseView.as_view(), name="mission-pause"),
    path(f"{MISSION}/resume", MissionResumeView.as_view(), name="mission-resume"),
    path(f"{MISSION}/cancel", MissionCancelView.as_view(), name="mission-cancel"),
    path(f"{MISSION}/retry", MissionRetryView.as_view(), name="mission-retry"),
    path("", include(router.urls)),
]
