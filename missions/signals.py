from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_exporting

from .models import Mission
from .pipelines.runner import mission_checkpoints_delete
from .selectors import missions_export


@receiver(user_exporting, dispatch_uid="missions_export")
def on_user_exporting(sender: object, user: User, **kwargs: object) -> dict[str, Any]:
    return {"missions": missions_export(user=user)}


@receiver(post_delete, sender=Mission, dispatch_uid="missions_checkpoints_delete")
def on_mission_deleted(sender: object, instance: Mission, **kwargs: object) -> None:
    """A deleted mission (by its owner, or with an erased user) leaves no checkpoints."""
    mission_id = instance.pk
    transaction.on_commit(lambda: mission_checkpoints_delete(mission_id=mission_id))
