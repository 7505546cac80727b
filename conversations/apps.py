from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        # Django's idiom: registered once the app registry is ready, not at import.
        from . import signals  # noqa: F401
