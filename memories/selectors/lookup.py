"""Helpers shared by the selectors."""

from __future__ import annotations

import uuid


def as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    """The id as a UUID; None when it is malformed (callers answer as for a missing object)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None
