"""Staff views of memories and collections, fast on large tables.

The memory list joins its foreign keys in the one query, never counts the whole table (see
`core.admin.LargeTablePaginator`), and searches either by the owner's email (a term with an @) or
by content.
"""

from typing import Any

import numpy as np
from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.admin import LargeTablePaginator
from core.api.fields import MAX_JSON_NUMBER, json_has_huge_number
from memories.models import Memory, MemoryCollection, MemoryEvent
from memories.selectors import memory_collection_name_taken
from memories.services import MEMORY_FIELDS, memory_delete, memory_reembed, memory_update

REEMBED_LIMIT = 1000
HISTORY_LIMIT = 50


class MemoryAdminForm(forms.ModelForm):
    class Meta:
        model = Memory
        fields = ("tier", "importance", "collection", "metadata", "expires_at")

    def clean_collection(self) -> MemoryCollection | None:
        collection = self.cleaned_data.get("collection")
        if collection is not None and collection.user_id != self.instance.user_id:
            raise forms.ValidationError("That collection belongs to another user.")
        return collection

    def clean_metadata(self) -> Any:
        metadata = self.cleaned_data.get("metadata")
        if json_has_huge_number(metadata):
            raise forms.ValidationError(f"Numbers must be under {MAX_JSON_NUMBER} in magnitude.")
        return metadata


class MemoryCollectionAdminForm(forms.ModelForm):
    """The name unique per user as the API compares it (`name_key` is not a form field, so
    Django's own constraint check leaves it out)."""

    class Meta:
        model = MemoryCollection
        fields = ("user", "name", "description")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user, name = cleaned.get("user"), cleaned.get("name")
        if (
            user
            and name
            and memory_collection_name_taken(user=user, name=name, exclude=self.instance)
        ):
            self.add_error("name", "This user already has a collection of this name.")
        return cleaned


@admin.register(Memory)
class MemoryAdmin(admin.ModelAdmin):
    form = MemoryAdminForm
    list_display = ("short_content", "user", "tier", "source", "collection", "importance",
                    "access_count", "created_at")  # fmt: skip
    list_filter = ("tier", "source", ("collection", admin.EmptyFieldListFilter))
    list_select_related = ("user", "collection")
    search_fields = ("content",)
    search_help_text = "Content contains the words, or an owner's exact email."
    show_full_result_count = False
    paginator = LargeTablePaginator
    raw_id_fields = ("collection",)
    readonly_fields = ("user", "content", "source", "embedding_summary", "access_count",
                       "last_accessed_at", "created_at", "updated_at", "history")  # fmt: skip
    fields = ("user", "content", "tier", "importance", "collection", "metadata", "expires_at",
              "source", "embedding_summary", "access_count", "last_accessed_at", "created_at",
              "updated_at", "history")  # fmt: skip
    actions = ("reembed",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Memory]:
        return super().get_queryset(request).defer("embedding")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Memory], search_term: str
    ) -> tuple[QuerySet[Memory], bool]:
        term = search_term.strip()
        if "@" in term:
            return queryset.filter(user__email__iexact=term), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # memories come from their owners and the pipelines

    @admin.display(description="content")
    def short_content(self, memory: Memory) -> str:
        return memory.content[:100]

    @admin.display(description="embedding")
    def embedding_summary(self, memory: Memory) -> str:
        vector = np.asarray(memory.embedding, dtype=np.float32)
        norm = np.linalg.norm(vector)
        return f"{vector.size} dimensions, model {memory.embedding_model}, norm {norm:.4f}"

    @admin.display(description="history (oldest first)")
    def history(self, memory: Memory) -> str:
        events = MemoryEvent.objects.filter(memory_id=memory.id).order_by("created_at", "id")
        return format_html_join(
            "\n", "<p>{} · {} by {}: {} → {}</p>",
            ((e.created_at, e.event, e.actor, e.old_content or "—", e.new_content or "—")
             for e in events[:HISTORY_LIMIT]),
        )  # fmt: skip

    def save_model(
        self, request: HttpRequest, obj: Memory, form: forms.ModelForm, change: bool
    ) -> None:
        changes = {
            field: form.cleaned_data[field] for field in form.changed_data if field in MEMORY_FIELDS
        }
        if changes:
            memory_update(memory=obj, actor=MemoryEvent.Actor.STAFF, **changes)

    def delete_model(self, request: HttpRequest, obj: Memory) -> None:
        memory_delete(memory=obj, actor=MemoryEvent.Actor.STAFF)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Memory]) -> None:
        for memory in queryset:
            memory_delete(memory=memory, actor=MemoryEvent.Actor.STAFF)

    @admin.action(description="Re-embed with the current embedding model")
    def reembed(self, request: HttpRequest, queryset: QuerySet[Memory]) -> None:
        memories = list(queryset.order_by()[: REEMBED_LIMIT + 1])
        if len(memories) > REEMBED_LIMIT:
            self.message_user(request, f"Select at most {REEMBED_LIMIT} memories at a time.",
                              messages.ERROR)  # fmt: skip
            return
        count = memory_reembed(memories=memories)
        self.message_user(request, f"Re-embedded {count} memories.", messages.SUCCESS)


@admin.register(MemoryCollection)
class MemoryCollectionAdmin(admin.ModelAdmin):
    form = MemoryCollectionAdminForm
    list_display = ("name", "user", "memory_count", "created_at")
    list_select_related = ("user",)
    search_fields = ("name", "=user__email")
    raw_id_fields = ("user",)
    readonly_fields = ("memories_link",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[MemoryCollection]:
        return super().get_queryset(request).annotate(memory_total=Count("memories"))

    @admin.display(description="memories", ordering="memory_total")
    def memory_count(self, collection: MemoryCollection) -> Any:
        return self.memories_link(collection)

    @admin.display(description="memories")
    def memories_link(self, collection: MemoryCollection) -> str:
        url = reverse("admin:memories_memory_changelist")
        total = getattr(collection, "memory_total", None)
        label = f"{total} memories" if total is not None else "its memories"
        return format_html(
            '<a href="{}?collection__id__exact={}">{}</a>', url, collection.pk, label
        )
