"""The memories app's admin: memories and collections, ingestion jobs, and the users list's
memory counts."""

from accounts.admin import user_admin_count
from memories.models import Memory

from . import ingestion, memories

user_admin_count(label="memories", model=Memory)

__all__ = ["ingestion", "memories"]
