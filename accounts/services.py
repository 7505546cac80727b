"""Writes to users, their preferences and tombstones."""

import json
from typing import Any

from django.db import connection, transaction
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


# One statement: the tombstone check, the INSERT or the update that the ordering rule allows
# (an object without `updated_at`, or older than the one stored, changes nothing), a username
# another account holds left out (a new user goes without it, a known one keeps its own), and
# the preferences row every user has. No row back means stale or tombstoned.
_UPSERT_SQL = f"""
WITH upserted AS (
    INSERT INTO {User._meta.db_table} (
        password, is_superuser, is_staff, is_active, date_joined, clerk_user_id, username,
        email, first_name, last_name, image_url, clerk_created_at, clerk_updated_at
    )
    SELECT '', false, false, true, now(), %(clerk_user_id)s,
        CASE WHEN EXISTS (
            SELECT 1 FROM {User._meta.db_table} WHERE username = %(username)s
        ) THEN NULL ELSE %(username)s END,
        %(email)s, %(first_name)s, %(last_name)s, %(image_url)s,
        %(clerk_created_at)s, %(clerk_updated_at)s
    WHERE NOT EXISTS (
        SELECT 1 FROM {DeletedClerkUser._meta.db_table} WHERE clerk_user_id = %(clerk_user_id)s
    )
    ON CONFLICT (clerk_user_id) WHERE NOT (clerk_user_id = '') DO UPDATE SET
        username = CASE WHEN EXISTS (
            SELECT 1 FROM {User._meta.db_table} other
            WHERE other.username = %(username)s AND other.id <> {User._meta.db_table}.id
        ) THEN {User._meta.db_table}.username ELSE %(username)s END,
        email = EXCLUDED.email,
        first_name = EXCLUDED.first_name,
        last_name = EXCLUDED.last_name,
        image_url = EXCLUDED.image_url,
        clerk_created_at = EXCLUDED.clerk_created_at,
        clerk_updated_at = EXCLUDED.clerk_updated_at
    WHERE {User._meta.db_table}.clerk_updated_at IS NULL
        OR EXCLUDED.clerk_updated_at >= {User._meta.db_table}.clerk_updated_at
    RETURNING id
), preferences AS (
    INSERT INTO {UserPreferences._meta.db_table} (
        user_id, settings, onboarding, created_at, updated_at
    )
    SELECT id, '{{}}', '{{}}', now(), now() FROM upserted
    ON CONFLICT (user_id) DO NOTHING
)
SELECT id FROM upserted
"""


def user_upsert_from_clerk(*, data: dict[str, Any]) -> int | None:
    """Mirror a Clerk user object, unless it is older than what we hold.

    Returns the user's id, or None when the update was stale. Raises UserTombstoned for a
    deleted id. One round trip in the common case; a refused one pays a second to say why.
    """
    clerk_user_id = data["id"]
    params = {"clerk_user_id": clerk_user_id, **_profile_from_clerk(data)}
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, params)
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    if DeletedClerkUser.objects.filter(clerk_user_id=clerk_user_id).exists():
        raise UserTombstoned(clerk_user_id)
    return None


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
