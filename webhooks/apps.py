from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        # Django's idiom: registered once the app registry is ready, not at import.
        from . import checks  # noqa: F401
