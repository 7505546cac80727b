"""Reads of a user's memory collections."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from memories.models import MemoryCollection
from memories.text import text_fold

from .lookup import as_uuid


def memory_collection_list(*, user: User) -> QuerySet[MemoryCollection]:
    return MemoryCollection.objects.filter(user=user).order_by(Lower("name"), "id")


def memory_collection_get(*, user: User, collection_id: uuid.UUID | str) -> MemoryCollection | None:
    """The user's collection with this id; None for another user's, a missing or malformed id."""
    pk = as_uuid(collection_id)
    if pk is None:
        return None
    return MemoryCollection.objects.filter(user=user, pk=pk).first()


def memory_collection_name_taken(
    *, user: User, name: str, exclude: MemoryCollection | None = None
) -> bool:
    clash = MemoryCollection.objects.filter(user=user, name_key=text_fold(name))
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    return clash.exists()
