from django.urls import path

from .api.views import MeView, MyPreferencesView

app_name = "accounts-api"

urlpatterns = [
    path("users/me", MeView.as_view(), name="me"),
    path("users/me/preferences", MyPreferencesView.as_view(), name="me-preferences"),
]
