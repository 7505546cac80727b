import uuid

from django.conf import settings
from django.db import models

MAX_TITLE_LENGTH = 200
MAX_MESSAGE_LENGTH = 8000
MAX_CLIENT_MESSAGE_ID_LENGTH = 200


class Conversation(models.Model):
    """A chat thread between a user and the companion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-last_activity_at", "-id"], name="conversations_user_active_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"conversation {self.id}"


class Message(models.Model):
    """One turn of a conversation: the user's words, or the companion's (streamed) reply."""

    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    class Status(models.TextChoices):
        PENDING = "pending"
        STREAMING = "streaming"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    reply_to = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply",
        help_text="For a reply: the user message it answers (one reply per user message).",
    )
    recalled_memory_ids = models.JSONField(default=list, blank=True)
    model = models.CharField(max_length=100, blank=True, default="")
    usage = models.JSONField(null=True, blank=True, help_text="Token usage, when the model told.")
    error = models.TextField(blank=True, default="")
    client_message_id = models.CharField(
        max_length=MAX_CLIENT_MESSAGE_ID_LENGTH, null=True, blank=True
    )
    ingestion_job = models.ForeignKey(
        "memories.IngestionJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
        help_text="For a user message: the job that turned it into memories.",
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Runs of the reply since it was sent (or retried)."
    )
    run_id = models.UUIDField(
        null=True, blank=True, help_text="The run streaming the reply; only it may write it."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last handed to the broker; empty while that failed."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run streaming the reply."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=models.Q(client_message_id__isnull=False),
                name="conversations_message_client_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["conversation", "created_at", "id"], name="conversations_msg_order_idx"
            ),
            # The "reply in progress" check and the sweep look only at unfinished replies.
            models.Index(
                fields=["conversation"],
                condition=models.Q(status__in=["pending", "streaming"]),
                name="conversations_msg_active_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:80]}"
