import uuid

from django.conf import settings
from django.db import models

MAX_TITLE_LENGTH = 200
MAX_GOAL_LENGTH = 2000
MAX_ANSWER_LENGTH = 4000
MAX_CLIENT_MISSION_ID_LENGTH = 200


class Mission(models.Model):
    """A goal the companion pursues with the user, step by step, over days."""

    class Status(models.TextChoices):
        PLANNING = "planning"
        RUNNING = "running"
        WAITING = "waiting"  # for the user's answer to `question_text`
        SCHEDULED = "scheduled"  # asleep until `wake_at`
        PAUSED = "paused"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="missions"
    )
    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    goal = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNING)
    paused_from = models.CharField(
        max_length=16, choices=Status.choices, blank=True, default="",
        help_text="While paused: the status to go back to.",
    )  # fmt: skip
    question_id = models.UUIDField(null=True, blank=True)
    question_text = models.TextField(blank=True, default="")
    question_asked_at = models.DateTimeField(null=True, blank=True)
    resume_with = models.TextField(
        blank=True, default="", help_text="What the next run resumes the graph with (an answer)."
    )
    wake_at = models.DateTimeField(null=True, blank=True)
    collection = models.ForeignKey(
        "memories.MemoryCollection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="missions",
        help_text="Where the mission's notes and plan are remembered.",
    )
    summary = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    client_mission_id = models.CharField(
        max_length=MAX_CLIENT_MISSION_ID_LENGTH, null=True, blank=True
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Runs since it was (re)started.")
    run_id = models.UUIDField(
        null=True, blank=True, help_text="The run working on it; only it may write its steps."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last handed to the broker; empty while that failed."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the run working on it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_mission_id"],
                condition=models.Q(client_mission_id__isnull=False),
                name="missions_mission_client_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="missions_user_created_idx"),
            # The sweep and the wake-up look only at missions a run works on or will.
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["planning", "running", "scheduled"]),
                name="missions_mission_live_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MissionStep(models.Model):
    """One step of a mission's plan."""

    class Kind(models.TextChoices):
        AGENT = "agent"  # the companion does it with its tools
        ASK = "ask"  # a question to the user
        CHECK_IN = "check_in"  # due later

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        SKIPPED = "skipped"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    output = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0, help_text="Times a run started it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mission", "index"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "index"], name="missions_step_index_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.index}. {self.title}"
