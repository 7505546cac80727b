from django.db import models


class WebhookEvent(models.Model):
    """One Svix delivery from Clerk and what became of it; `svix_id` makes delivery idempotent."""

    class Status(models.TextChoices):
        PROCESSED = "processed"
        IGNORED = "ignored"
        FAILED = "failed"

    svix_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices)
    error = models.TextField(blank=True, default="", help_text="Why it failed or was ignored.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="webhooks_event_status_idx"),
            models.Index(fields=["type", "-received_at"], name="webhooks_event_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.svix_id} ({self.status})"
