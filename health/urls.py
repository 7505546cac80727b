from django.urls import path

from .views import LiveView, ReadyView

app_name = "health"

urlpatterns = [
    path("", ReadyView.as_view(), name="ready"),
    path("/live", LiveView.as_view(), name="live"),
]
