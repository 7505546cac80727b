from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A person: mirrored from Clerk, or a local staff account made with `createsuperuser`."""

    # Clerk usernames are optional, so ours is too; Clerk keeps them unique.
    username = models.CharField(max_length=150, unique=True, null=True, blank=True)
    clerk_user_id = models.CharField(max_length=64, blank=True, default="")
    image_url = models.URLField(max_length=2048, blank=True, default="")
    clerk_created_at = models.BigIntegerField(null=True, blank=True, help_text="Clerk, in ms.")
    clerk_updated_at = models.BigIntegerField(null=True, blank=True, help_text="Clerk, in ms.")

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clerk_user_id"],
                condition=~Q(clerk_user_id=""),
                name="accounts_user_clerk_user_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username or self.clerk_user_id or f"user {self.pk}"


class UserPreferences(models.Model):
    """The app's per-user settings and onboarding flags, one row per user."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="preferences")
    settings = models.JSONField(default=dict, blank=True)
    onboarding = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user}"


class DeletedClerkUser(models.Model):
    """Tombstone of a Clerk user deleted upstream: the id can never sign in or come back."""

    clerk_user_id = models.CharField(max_length=64, unique=True)
    deleted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.clerk_user_id
