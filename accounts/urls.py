from django.urls import path

from .api.views import MeView, MyExportView, MyPreferencesView

app_name = "accounts-api"

urlpatterns = [
    path("users/me", MeView.as_view(), name="me"),
    path("users/me/preferences", MyPreferencesView.as_view(), name="me-preferences"),
    path("users/me/export", MyExportView.as_view(), name="me-export"),
]
