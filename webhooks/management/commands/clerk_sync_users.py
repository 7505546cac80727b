from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.observability.progress import progress
from webhooks.api.serializers import ClerkUserSerializer
from webhooks.clerk_api import MAX_PAGE_SIZE, ClerkAPIError, clerk_users_iter
from webhooks.services import ClerkUserOutcome, clerk_user_apply

INVALID = "invalid"


class Command(BaseCommand):
    help = (
        "Mirror every Clerk user from Clerk's Backend API (CLERK_API_URL, CLERK_SECRET_KEY), "
        "for events the webhook missed. An older profile never overwrites a newer one, and "
        "deleted users stay deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--page-size", type=int, default=100, help=f"1..{MAX_PAGE_SIZE}")

    def handle(self, *args: Any, page_size: int, **options: Any) -> None:
        if not settings.CLERK_SECRET_KEY:
            raise CommandError("CLERK_SECRET_KEY is not set.")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise CommandError(f"--page-size must be between 1 and {MAX_PAGE_SIZE}.")
        users = clerk_users_iter(
            base_url=settings.CLERK_API_URL,
            secret_key=settings.CLERK_SECRET_KEY,
            page_size=page_size,
        )
        counts: Counter[str] = Counter()
        try:
            with progress(total=None, unit="users", label="clerk sync") as bar:
                for data in users:
                    counts[self._sync_one(data)] += 1
                    bar.update()
        except ClerkAPIError as exc:
            raise CommandError(f"{exc} (after {counts.total()} users).") from exc
        names = [*(outcome.name.lower() for outcome in ClerkUserOutcome), INVALID]
        summary = ", ".join(f"{counts[name]} {name}" for name in names)
        self.stdout.write(self.style.SUCCESS(f"Synced {counts.total()} Clerk users: {summary}."))

    def _sync_one(self, data: Any) -> str:
        serializer = ClerkUserSerializer(data=data)
        if not serializer.is_valid():
            user_id = data.get("id") if isinstance(data, dict) else None
            self.stderr.write(f"Skipped an invalid user {user_id!r}: {serializer.errors}")
            return INVALID
        return clerk_user_apply(data=data).name.lower()
