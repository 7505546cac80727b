"""What flows through the reply graph, and what each run supplies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from memories.llm import Message

from ..llm import ChatModel
from ..models import Message as StoredMessage


class Recalled(TypedDict):
    id: str
    content: str


class ReplyState(TypedDict, total=False):
    history: list[Message]  # oldest first, the message answered last
    memories: list[Recalled]  # in the order of the memory block
    memory_block: str
    prompt: list[Message]  # system first
    content: str  # what was streamed
    usage: dict[str, int] | None
    outcome: Literal["completed", "stopped"]  # stopped: cancelled, or the run lost the reply


@dataclass(frozen=True)
class ReplyContext:
    reply: StoredMessage  # claimed by this run (services.reply_start)
    model: ChatModel
