import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from pgvector.django import HalfVectorField, HnswIndex, VectorField

from .text import text_fold

EMBEDDING_DIMENSIONS = 1536
MAX_CONTENT_LENGTH = 8000


class MemoryCollection(models.Model):
    """A user's named folder of memories."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_collections"
    )
    name = models.CharField(max_length=200)
    # The name as compared (memories.text.text_fold): case folding may lengthen it (ß -> ss).
    name_key = models.CharField(max_length=600, editable=False)
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name_key"], name="memories_collection_user_name_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, kept in step wherever the name is written (the admin included).
        self.name_key = text_fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class Memory(models.Model):
    """One thing the companion remembers about a user, with its embedding."""

    class Tier(models.TextChoices):
        CORE = "core", "Core (always in context, never pruned)"
        LONG_TERM = "long_term", "Long-term (kept, decays)"
        SHORT_TERM = "short_term", "Short-term (expires unless promoted)"

    class Source(models.TextChoices):
        API = "api"
        INGESTION = "ingestion"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memories"
    )
    collection = models.ForeignKey(
        MemoryCollection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memories",
    )
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.LONG_TERM)
    content = models.TextField()
    content_hash = models.CharField(max_length=64, help_text="sha256 of the normalised content")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    embedding_model = models.CharField(max_length=100)
    importance = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    metadata = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.API)
    access_count = models.PositiveIntegerField(default=0)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps 10% of each page free (fillfactor, migration 0005), so that counting a
        # use of a memory is a HOT update that touches no index.
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "memories"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_hash"], name="memories_memory_user_content_hash_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(importance__gte=0.0, importance__lte=1.0),
                name="memories_memory_importance_range",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="memories_user_created_idx"),
            models.Index(fields=["user", "tier"], name="memories_user_tier_idx"),
            models.Index(fields=["-created_at", "-id"], name="memories_created_idx"),
        ]

    def __str__(self) -> str:
        return self.content[:80]


class MemoryVector(models.Model):
    """What search reads: a memory's embedding in half precision, with the columns it filters on.

    A database trigger keeps one row per memory (see migrations 0005, 0007 and 0008); nothing
    writes it directly.
    Kept apart from Memory so that bumping a memory's access count never touches the HNSW index,
    and stored in the row itself (STORAGE PLAIN) rather than in TOAST, so that an exact scan reads
    one heap page per two memories instead of an index lookup and four TOAST chunks per memory.
    """

    memory = models.OneToOneField(
        Memory,
        on_delete=models.DO_NOTHING,  # the database cascades
        primary_key=True,
        db_constraint=False,
        related_name="vector",
    )
    user_id = models.BigIntegerField()
    tier = models.CharField(max_length=16, choices=Memory.Tier.choices)
    collection_id = models.UUIDField(null=True)
    embedding_half = HalfVectorField(dimensions=EMBEDDING_DIMENSIONS)
    # English stems and plain words of the content, for full-text matching (migrations 0007, 0008).
    content_search = SearchVectorField()

    class Meta:
        indexes = [
            GinIndex(fields=["content_search"], name="memories_vector_text_idx"),
            models.Index(fields=["user_id", "tier"], name="memories_vector_user_tier_idx"),
            models.Index(fields=["collection_id"], name="memories_vector_collection_idx"),
            # ef_construction 128 rather than 64: recall@10 0.99 instead of 0.96 on lexical
            # (local) embeddings for users with 5-10k memories, for a 30% longer build.
            HnswIndex(
                fields=["embedding_half"],
                opclasses=["halfvec_cosine_ops"],
                name="memories_vector_hnsw_idx",
                m=16,
                ef_construction=128,
            ),
        ]

    def __str__(self) -> str:
        return f"vector of memory {self.memory_id}"


class SearchTerm(models.Model):
    """How many of a user's memories hold a word (a lexeme of `MemoryVector.content_search`):
    the document frequency that BM25 weighs the word by, over that user's memories alone.

    A database trigger on memories_memoryvector keeps it (migration 0012); nothing writes it
    directly. A word no memory holds any more has no row.
    """

    pk = models.CompositePrimaryKey("user_id", "term")
    user_id = models.BigIntegerField()
    term = models.TextField()
    documents = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.term!r} in {self.documents} memories of user {self.user_id}"


class SearchTotals(models.Model):
    """A user's memories as BM25 counts them: how many, and their summed length in words
    (distinct lexemes), for the average length it normalises by. Kept with `SearchTerm`; a
    user with no memories has no row."""

    user_id = models.BigIntegerField(primary_key=True)
    documents = models.IntegerField()
    length = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "search totals"

    def __str__(self) -> str:
        return f"{self.documents} memories of user {self.user_id}"


class MemoryEvent(models.Model):
    """History of a memory, like an audit log; it outlives the memory it describes."""

    class Event(models.TextChoices):
        ADD = "add"
        UPDATE = "update"
        DELETE = "delete"
        MERGE = "merge"
        EXPIRE = "expire"
        PROMOTE = "promote"

    class Actor(models.TextChoices):
        USER = "user"
        PIPELINE = "pipeline"
        STAFF = "staff"

    id = models.BigAutoField(primary_key=True)
    memory_id = models.UUIDField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_events"
    )
    event = models.CharField(max_length=16, choices=Event.choices)
    old_content = models.TextField(null=True, blank=True)
    new_content = models.TextField(null=True, blank=True)
    actor = models.CharField(max_length=16, choices=Actor.choices)
    job = models.ForeignKey(
        "IngestionJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memory_events",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} {self.memory_id} by {self.actor}"


class IngestionJob(models.Model):
    """One conversation handed to the ingestion pipeline, and what came of it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ingestion_jobs"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    messages = models.JSONField()
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="Last handed to the broker; empty while that failed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="memories_job_user_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="memories_job_status_idx")]

    def __str__(self) -> str:
        return f"ingestion job {self.id} ({self.status})"
