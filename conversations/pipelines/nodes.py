"""The reply graph's steps. Each reads the state, reaches the database only through services
and selectors, and returns the keys it adds to the state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from langgraph.runtime import Runtime

from memories.services import memory_context

from ..llm import ChatPrompt, Chunk
from ..selectors import reply_history
from ..services import reply_complete, reply_delta, reply_progress, reply_stopped
from .state import ReplyContext, ReplyState


def load_history(state: ReplyState, runtime: Runtime[ReplyContext]) -> dict[str, Any]:
    reply = runtime.context.reply
    return {"history": reply_history(reply=reply, max_characters=settings.CHAT_HISTORY_CHARACTERS)}


def recall(state: ReplyState, runtime: Runtime[ReplyContext]) -> dict[str, Any]:
    """Core memories, then those most relevant to the latest turns, within the memory budget."""
    context = memory_context(
        user=runtime.context.reply.user, messages=state["history"],
        max_characters=settings.CHAT_MEMORY_CHARACTERS, top_k=settings.CHAT_RECALL_TOP_K,
    )  # fmt: skip
    memories = [{"id": str(memory.pk), "content": memory.content} for memory, _ in context.memories]
    return {"memories": memories, "memory_block": context.text}


def compose(state: ReplyState, runtime: Runtime[ReplyContext]) -> dict[str, Any]:
    system = "\n\n".join(
        part for part in (settings.CHAT_SYSTEM_PROMPT, state["memory_block"]) if part
    )
    return {"prompt": [{"role": "system", "content": system}, *state["history"]]}


class _Progress:
    """Writes the text so far at most every CHAT_PROGRESS_SECONDS; false once the run lost the
    reply (cancelled, or taken over)."""

    def __init__(self, runtime: Runtime[ReplyContext]) -> None:
        self.reply = runtime.context.reply
        self.last = time.monotonic()

    def still_ours(self, content: str) -> bool:
        if time.monotonic() - self.last < settings.CHAT_PROGRESS_SECONDS:
            return True
        self.last = time.monotonic()
        return reply_progress(reply=self.reply, content=content)


def _stream(state: ReplyState, runtime: Runtime[ReplyContext]) -> Iterator[Chunk]:
    memories = [memory["content"] for memory in state["memories"]]
    return runtime.context.model.stream(ChatPrompt(messages=state["prompt"], memories=memories))


class _Deltas:
    """Sends the streamed text in order of `index`. The first piece goes at once; pieces that
    arrive within CHAT_DELTA_SECONDS of the last send wait and go together with the next."""

    def __init__(self, runtime: Runtime[ReplyContext]) -> None:
        self.reply = runtime.context.reply
        self.index = 0
        self.waiting: list[str] = []
        self.sent_at: float | None = None

    def add(self, text: str) -> None:
        self.waiting.append(text)
        if self.sent_at is None or time.monotonic() - self.sent_at >= settings.CHAT_DELTA_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.waiting:
            return
        reply_delta(reply=self.reply, index=self.index, text="".join(self.waiting))
        self.index, self.waiting, self.sent_at = self.index + 1, [], time.monotonic()


def generate(state: ReplyState, runtime: Runtime[ReplyContext]) -> dict[str, Any]:
    """Stream the model's answer to the owner's sockets; a cancel stops the model call."""
    progress, deltas = _Progress(runtime), _Deltas(runtime)
    parts: list[str] = []
    usage = None
    chunks = _stream(state, runtime)
    try:
        for chunk in chunks:
            usage = chunk.usage or usage
            if not chunk.text:
                continue
            if not progress.still_ours("".join(parts)):
                return {"content": "".join(parts), "usage": usage, "outcome": "stopped"}
            deltas.add(chunk.text)
            parts.append(chunk.text)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # ends the model's HTTP stream
    deltas.flush()
    return {"content": "".join(parts), "usage": usage, "outcome": "completed"}


def finish(state: ReplyState, runtime: Runtime[ReplyContext]) -> dict[str, Any]:
    """Store the reply and queue its exchange for ingestion, or keep what a stopped run said."""
    reply = runtime.context.reply
    if state["outcome"] == "completed" and reply_complete(
        reply=reply, content=state["content"], model=runtime.context.model.name,
        usage=state.get("usage"), memory_ids=[memory["id"] for memory in state["memories"]],
    ):  # fmt: skip
        return {}
    reply_stopped(reply=reply, content=state["content"])
    return {"outcome": "stopped"}
