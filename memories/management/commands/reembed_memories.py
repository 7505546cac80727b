from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.observability.progress import progress
from memories.embeddings import embedding_model_name
from memories.selectors import memory_reembed_batches
from memories.services import memory_reembed
from memories.services.reembedding import REEMBED_BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Re-embed memories with the current EMBEDDING_PROVIDER, in batches, each its own short "
        "statement, so it is safe to run while the service serves. With --model-changed-only "
        "it skips memories already on the current model, so an interrupted run started again "
        "resumes where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", metavar="CLERK_ID", help="Only this Clerk user.")
        parser.add_argument(
            "--model-changed-only",
            action="store_true",
            help="Only memories whose embedding_model is not the current model.",
        )
        parser.add_argument("--batch-size", type=int, default=REEMBED_BATCH_SIZE)

    def handle(
        self,
        *args: Any,
        user: str | None,
        model_changed_only: bool,
        batch_size: int,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        model = embedding_model_name()
        total, batches = memory_reembed_batches(
            user=self._user(user), stale_only=model_changed_only, model=model, batch_size=batch_size
        )
        done = 0
        with progress(total=total, unit="memories", label="re-embed") as bar:
            for batch in batches:
                done += memory_reembed(memories=batch)
                bar.update(len(batch))
        self.stdout.write(
            self.style.SUCCESS(f"Re-embedded {done} of {total} memories with {model}.")
        )

    @staticmethod
    def _user(clerk_id: str | None) -> User | None:
        if clerk_id is None:
            return None
        found = User.objects.filter(clerk_user_id=clerk_id).first() if clerk_id else None
        if found is None:
            raise CommandError(f"No user with Clerk id {clerk_id!r}.")
        return found
