from typing import Any

from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_exporting

from .selectors import conversations_export


@receiver(user_exporting, dispatch_uid="conversations_export")
def on_user_exporting(sender: object, user: User, **kwargs: object) -> dict[str, Any]:
    return {"conversations": conversations_export(user=user)}
