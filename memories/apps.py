from django.apps import AppConfig


class MemoriesConfig(AppConfig):
    name = "memories"

    def ready(self) -> None:
        # Django's idiom: registered once the app registry is ready, not at import.
        from . import signals  # noqa: F401
