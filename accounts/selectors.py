"""Reads of users.

The token-to-user lookup runs on every authenticated request: its statement is built once per
process from the models' fields and its row turned straight into the two models, where the ORM
would compile the same query anew each time (a third of `users/me`'s CPU, py-spy).
"""

import functools
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model

from core.api.datetimes import iso_datetime

from .models import User, UserPreferences

_USER_FIELDS = User._meta.concrete_fields
_PREFERENCES_FIELDS = UserPreferences._meta.concrete_fields


@functools.cache
def _lookup_sql() -> str:
    quote = connection.ops.quote_name
    columns = [f"u.{quote(field.column)}" for field in _USER_FIELDS]
    columns += [f"p.{quote(field.column)}" for field in _PREFERENCES_FIELDS]
    link = quote(UserPreferences._meta.get_field("user").column)
    user_pk = quote(User._meta.pk.column)
    return (
        f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} u"
        f" LEFT JOIN {quote(UserPreferences._meta.db_table)} p ON p.{link} = u.{user_pk}"
        f" WHERE u.{quote(User._meta.get_field('clerk_user_id').column)} = %s"
    )


@functools.cache
def _columns(model: type[Model]) -> tuple[list[str], list[list[Any]]]:
    """The model's attribute names, and per column what the ORM would apply to it (JSON
    decoding for JSONFields)."""
    fields = model._meta.concrete_fields
    return [field.attname for field in fields], [f.get_db_converters(connection) for f in fields]


def _from_row(model: type[Model], values: tuple[Any, ...]) -> Model:
    names, converters_by_column = _columns(model)
    converted = []
    for converters, value in zip(converters_by_column, values, strict=True):
        for converter in converters:
            value = converter(value, None, connection)
        converted.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, names, converted)


def user_get_by_clerk_id(*, clerk_user_id: str) -> User | None:
    """The user with this Clerk id and its preferences (None when it has none yet), in one
    round trip; None when there is no such user."""
    if not clerk_user_id:  # local staff accounts have none
        return None
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(), [clerk_user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = _from_row(User, row[: len(_USER_FIELDS)])
    preferences_row = row[len(_USER_FIELDS) :]
    preferences = (
        None if preferences_row[0] is None else _from_row(UserPreferences, preferences_row)
    )
    User._meta.get_field("preferences").set_cached_value(user, preferences)
    if preferences is not None:
        UserPreferences._meta.get_field("user").set_cached_value(preferences, user)
    return user  # type: ignore[return-value]


def user_created_at_ms(user: User) -> int:
    """Clerk's creation time; for a user not mirrored yet (first seen through a token), ours."""
    return user.clerk_created_at or int(user.date_joined.timestamp() * 1000)


def user_render(user: User) -> dict[str, Any]:
    """The caller's profile and preferences as `users/me` returns them (UserOutputSerializer
    documents the shape; plain dicts because this is on every page load)."""
    preferences = user.preferences
    return {
        "id": user.pk,
        "clerk_user_id": user.clerk_user_id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": user.image_url,
        "created_at": user_created_at_ms(user),
        "preferences": {
            "settings": preferences.settings,
            "onboarding": preferences.onboarding,
            "updated_at": iso_datetime(preferences.updated_at),
        },
    }
