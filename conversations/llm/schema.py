"""What flows in and out of a chat model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from memories.llm import Message


@dataclass(frozen=True)
class ChatPrompt:
    """What a reply is made from: the prompt's messages (system first), and the memories that
    went into it, for a model that answers from them alone."""

    messages: list[Message]
    memories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """A piece of the answer; the last one may carry only the token usage."""

    text: str
    usage: dict[str, int] | None = None


class ChatModel(Protocol):
    name: str

    def stream(self, prompt: ChatPrompt) -> Iterator[Chunk]:
        """The answer piece by piece; closing the iterator stops the model call."""
        ...
