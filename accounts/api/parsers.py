"""JSON parsers for preference patches, with a tighter cap than the rest of the API."""

from accounts.services import PREFERENCES_MAX_BYTES
from core.api.parsers import BoundedJSONParser


class PreferencesJSONParser(BoundedJSONParser):
    """A patch may be at most twice the stored limit."""

    max_bytes = 2 * PREFERENCES_MAX_BYTES


class MergePatchParser(PreferencesJSONParser):
    """RFC 7396's own media type."""

    media_type = "application/merge-patch+json"
