"""How the API writes a time: ISO 8601, UTC spelled `Z` (as DRF's DateTimeField does)."""

import datetime


def iso_datetime(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
