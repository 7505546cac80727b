from django.urls import path

from .api.views import ClerkWebhookView

app_name = "webhooks-api"

urlpatterns = [
    path("clerk", ClerkWebhookView.as_view(), name="clerk"),
]
