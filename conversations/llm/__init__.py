"""The chat model behind the replies, chosen by `LLM_PROVIDER`, behind one interface.

`local` (the default) is offline and deterministic: it answers from the memories it was given
and streams word by word. `openai` streams a chat model's answer through langchain-openai.
Errors are the memory pipelines' (`LLMError`, and `LLMUnavailable` when a retry may succeed).
"""

from __future__ import annotations

from django.conf import settings

from memories.llm import LLMError, LLMUnavailable

from .local import LocalChatModel
from .openai import openai_chat_model
from .schema import ChatModel, ChatPrompt, Chunk

__all__ = ["ChatModel", "ChatPrompt", "Chunk", "LLMError", "LLMUnavailable", "get_chat_model"]


def get_chat_model() -> ChatModel:
    provider = settings.LLM_PROVIDER
    if provider == "local":
        return LocalChatModel()
    if provider == "openai":
        if not settings.OPENAI_API_KEY:
            raise LLMError("LLM_PROVIDER is openai but OPENAI_API_KEY is not set")
        return openai_chat_model(
            settings.CHAT_MODEL, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY,
            settings.LLM_TIMEOUT_SECONDS,
        )  # fmt: skip
    raise LLMError(f"unknown LLM_PROVIDER {provider!r}")
