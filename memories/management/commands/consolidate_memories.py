from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.observability.progress import progress
from memories.pipelines.runner import memory_consolidate
from memories.selectors import consolidation_user_ids


class Command(BaseCommand):
    help = (
        "Consolidate memories now, in this process: promote short-term memories that keep being "
        "used, expire the rest past their expiry, merge near-duplicates and decay importance "
        "of memories unused for long. Core memories are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", metavar="CLERK_ID", help="Only this Clerk user.")

    def handle(self, *args: Any, user: str | None, **options: Any) -> None:
        if user is not None:
            found = User.objects.filter(clerk_user_id=user).first() if user else None
            if found is None:
                raise CommandError(f"No user with Clerk id {user!r}.")
            users = [found]
        else:
            users = list(User.objects.filter(pk__in=consolidation_user_ids()).order_by("pk"))
        totals: Counter[str] = Counter()
        with progress(total=len(users), unit="users", label="consolidate") as bar:
            for each in users:
                counts = memory_consolidate(user=each)
                totals.update(counts)
                self.stdout.write(f"{each.clerk_user_id or each.pk}: {self._summary(counts)}")
                bar.update()
        self.stdout.write(
            self.style.SUCCESS(f"Consolidated {len(users)} users: {self._summary(totals)}.")
        )

    @staticmethod
    def _summary(counts: dict[str, int]) -> str:
        steps = ("promoted", "expired", "merged", "decayed")
        return ", ".join(f"{counts.get(step, 0)} {step}" for step in steps)
