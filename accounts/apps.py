from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Django's idiom: registered once the app registry is ready, not at import.
        from . import checks, schema, signals  # noqa: F401
