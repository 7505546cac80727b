"""`manage.py dev_token user_... [--minutes N]`: a session token for trying the API locally."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.clerk import CLERK_ID
from accounts.devkeys import dev_token_mint

DEFAULT_MINUTES = 60
MAX_MINUTES = 60 * 24 * 30


class Command(BaseCommand):
    help = "Print a session token signed with the local development key (never in production)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("clerk_user_id", help="The user the token names, e.g. user_demo.")
        parser.add_argument("--minutes", type=int, default=DEFAULT_MINUTES,
                            help=f"Lifetime in minutes (default {DEFAULT_MINUTES}).")  # fmt: skip

    def handle(self, *args: Any, clerk_user_id: str, minutes: int, **options: Any) -> None:
        if not settings.CLERK_DEV_KEY_FILE:
            raise CommandError(
                "No development key here: these settings verify tokens with a real Clerk key "
                "(CLERK_JWT_KEY / CLERK_JWKS_URL), or are not the local ones."
            )
        if not (CLERK_ID.fullmatch(clerk_user_id) and clerk_user_id.startswith("user_")):
            raise CommandError("The Clerk user id is 'user_' then letters, digits or '_'.")
        if not 1 <= minutes <= MAX_MINUTES:
            raise CommandError(f"--minutes is between 1 and {MAX_MINUTES}.")
        parties = settings.CLERK_AUTHORIZED_PARTIES
        self.stdout.write(dev_token_mint(
            path=settings.CLERK_DEV_KEY_FILE, clerk_user_id=clerk_user_id, minutes=minutes,
            issuer=settings.CLERK_ISSUER, party=parties[0] if parties else "",
        ))  # fmt: skip
