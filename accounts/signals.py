from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User, UserPreferences


@receiver(post_save, sender=User, dispatch_uid="accounts_create_preferences")
def create_preferences(sender: type[User], instance: User, created: bool, **kwargs: object) -> None:
    """Every user has preferences, however it was made (Clerk, createsuperuser, the admin)."""
    if created:
        UserPreferences.objects.create(user=instance)
