"""Writes to users, their preferences and tombstones."""

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import Signal

from .models import DeletedClerkUser, User, UserPreferences
from .selectors import user_get_by_clerk_id

PREFERENCES_MAX_BYTES = 64 * 1024

# Sent after commit with `user_id` and `clerk_user_id` once a user is erased (live sockets
# listen for it to close).
user_erased = Signal()
# Sent with `user` by the export; each receiver returns a dict of the sections its app adds, so
# that apps add their data to the export without the exporting app importing them.
user_exporting = Signal()


class UserTombstoned(Exception):
    """The Clerk user was deleted upstream; it can never come back."""


class PreferencesTooLarge(Exception):
    """The merged preferences would exceed PREFERENCES_MAX_BYTES."""


def _primary_email(data: dict[str, Any]) -> str:
    primary_id = data.get("primary_email_address_id")
    for address in data.get("email_addresses") or []:
        if address.get("id") == primary_id:
            return address.get("email_address") or ""
    return ""


def _profile_from_clerk(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "email": _primary_email(data),
        "username": data.get("username") or None,
        "first_name": data.get("first_name") or "",
        "last_name": data.get("last_name") or "",
        "image_url": data.get("image_url") or "",
        "clerk_created_at": data.get("created_at"),
        "clerk_updated_at": data.get("updated_at"),
    }


def user_get_or_create_by_clerk_id(*, clerk_user_id: str) -> User:
    """The mirrored user for a verified token; created on first sight, race-safely.

    One query for a known user, preferences included: this runs on every authenticated request.
    """
    user = user_get_by_clerk_id(clerk_user_id=clerk_user_id)
    if user is not None:
        return user
    if DeletedClerkUser.objects.filter(clerk_user_id=clerk_user_id).exists():
        raise UserTombstoned(clerk_user_id)
    user, _ = User.objects.get_or_create(clerk_user_id=clerk_user_id)
    return user


@transaction.atomic
def user_upsert_from_clerk(*, data: dict[str, Any]) -> User | None:
    """Mirror a Clerk user object, unless it is older than what we hold.

    Returns the user, or None when the update was stale. Raises UserTombstoned for a deleted id.
    """
    clerk_user_id = data["id"]
    if DeletedClerkUser.objects.filter(clerk_user_id=clerk_user_id).exists():
        raise UserTombstoned(clerk_user_id)
    profile = _profile_from_clerk(data)
    user = User.objects.select_for_update().filter(clerk_user_id=clerk_user_id).first()
    if user is None:
        # One INSERT with the whole profile: webhooks create users in bulk.
        try:
            with transaction.atomic():
                return User.objects.create(clerk_user_id=clerk_user_id, **profile)
        except IntegrityError:  # created meanwhile, or the username is taken: update below
            user, _ = User.objects.select_for_update().get_or_create(clerk_user_id=clerk_user_id)
    incoming, stored = profile["clerk_updated_at"], user.clerk_updated_at
    if stored is not None and (incoming is None or incoming < stored):
        return None
    for field, value in profile.items():
        setattr(user, field, value)
    try:
        with transaction.atomic():
            user.save(update_fields=[*profile.keys()])
    except IntegrityError:
        # Another account holds this username; keep ours rather than lose the update.
        user.username = User.objects.get(pk=user.pk).username
        user.save(update_fields=[*profile.keys()])
    return user


@transaction.atomic
def user_erase(*, clerk_user_id: str) -> bool:
    """Delete the user and everything hanging off it, and leave a tombstone.

    Returns whether a user row existed. Safe to repeat.
    """
    DeletedClerkUser.objects.get_or_create(clerk_user_id=clerk_user_id)
    user = User.objects.filter(clerk_user_id=clerk_user_id).first()
    if user is None:
        return False
    user_id = user.pk
    user.delete()
    transaction.on_commit(
        lambda: user_erased.send(sender=User, user_id=user_id, clerk_user_id=clerk_user_id),
        robust=True,
    )
    return True


def user_export_sections(*, user: User) -> dict[str, Any]:
    """The sections other apps add to the user's export (see `user_exporting`)."""
    sections: dict[str, Any] = {}
    for _, contribution in user_exporting.send(sender=User, user=user):
        sections.update(contribution)
    return sections


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, `null` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = json_merge_patch(merged.get(key), value)
    return merged


@transaction.atomic
def user_preferences_update(
    *, user: User, patch: dict[str, dict[str, Any] | None]
) -> UserPreferences:
    """Merge-patch `settings` / `onboarding` (RFC 7396); `null` for either empties it.

    Raises PreferencesTooLarge when the result would exceed PREFERENCES_MAX_BYTES.
    """
    preferences, _ = UserPreferences.objects.select_for_update().get_or_create(user=user)
    for field, value in patch.items():
        current = getattr(preferences, field)
        setattr(preferences, field, {} if value is None else json_merge_patch(current, value))
    document = {"settings": preferences.settings, "onboarding": preferences.onboarding}
    size = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    if size > PREFERENCES_MAX_BYTES:
        raise PreferencesTooLarge(f"Preferences are limited to {PREFERENCES_MAX_BYTES} bytes.")
    preferences.save(update_fields=[*patch.keys(), "updated_at"])
    return preferences
