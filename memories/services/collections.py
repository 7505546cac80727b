"""Writes to memory collections; names are unique per user, compared as memories.text folds them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from memories.models import MemoryCollection
from memories.selectors import memory_collection_name_taken

COLLECTION_FIELDS = ("name", "description")


class MemoryCollectionNameTaken(Exception):
    """The user already has a collection of that name, ignoring case."""


def _save_collection(collection: MemoryCollection) -> MemoryCollection:
    if memory_collection_name_taken(user=collection.user, name=collection.name, exclude=collection):
        raise MemoryCollectionNameTaken(collection.name)
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError as exc:  # a concurrent create of the same name
        raise MemoryCollectionNameTaken(collection.name) from exc
    return collection


def memory_collection_create(*, user: User, name: str, description: str = "") -> MemoryCollection:
    """A new collection. Raises MemoryCollectionNameTaken when the name clashes, ignoring case."""
    return _save_collection(MemoryCollection(user=user, name=name.strip(), description=description))


def memory_collection_update(*, collection: MemoryCollection, **changes: Any) -> MemoryCollection:
    unknown = set(changes) - set(COLLECTION_FIELDS)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(collection, field, value.strip() if field == "name" else value)
    return _save_collection(collection)


def memory_collection_delete(*, collection: MemoryCollection) -> None:
    """Delete the collection; its memories stay, no longer filed anywhere."""
    collection.delete()
