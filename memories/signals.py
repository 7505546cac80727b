from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_erased, user_exporting

from .events import close_user_sockets
from .selectors import memories_export


@receiver(user_erased, dispatch_uid="memories_close_erased_user_sockets")
def on_user_erased(sender: object, user_id: int, **kwargs: object) -> None:
    close_user_sockets(user_id)


@receiver(user_exporting, dispatch_uid="memories_export")
def on_user_exporting(sender: object, user: User, **kwargs: object) -> dict[str, Any]:
    return memories_export(user=user)
