from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "missions"

    def ready(self) -> None:
        # Django's idiom: registered once the app registry is ready, not at import.
        from . import signals  # noqa: F401
