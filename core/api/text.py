"""Text PostgreSQL cannot store: a NUL character, or a lone UTF-16 surrogate (which JSON's
`\\ud800` escapes can produce). Found once, for any parsed JSON, so no serializer has to."""

import re
from typing import Any

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Contains a NUL character or a lone surrogate, which cannot be stored."


def printable_key(key: str) -> str:
    """A key safe to echo in an error body, with unstorable characters escaped."""
    return UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", key)


def unstorable_text_path(value: Any) -> list[str] | None:
    """The path (object keys and list indexes) to the first unstorable key or string, or None.

    Iterative, so that JSON nested as deeply as the parser allows cannot overflow the stack.
    """
    pending: list[tuple[Any, list[str]]] = [(value, [])]
    while pending:
        node, path = pending.pop()
        if isinstance(node, str):
            if UNSTORABLE.search(node):
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                if UNSTORABLE.search(key):
                    return [*path, printable_key(key)]
                pending.append((child, [*path, key]))
        elif isinstance(node, list):
            pending.extend((child, [*path, str(index)]) for index, child in enumerate(node))
    return None
