"""A chat model through langchain-openai, streamed chunk by chunk with its token usage."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import openai
from langchain_core.messages import AIMessageChunk
from langchain_openai import ChatOpenAI

from memories.llm import LLMError, LLMUnavailable

from .schema import ChatPrompt, Chunk

_TRANSIENT = (
    openai.APIConnectionError,  # includes timeouts
    openai.RateLimitError,
    openai.InternalServerError,
)


def _usage(chunk: AIMessageChunk) -> dict[str, int] | None:
    usage = chunk.usage_metadata
    if not usage:
        return None
    return {key: int(usage[key]) for key in ("input_tokens", "output_tokens", "total_tokens")}


class OpenAIChatModel:
    def __init__(self, chat: ChatOpenAI) -> None:
        self.chat = chat
        self.name = chat.model_name

    def stream(self, prompt: ChatPrompt) -> Iterator[Chunk]:
        messages = [(m["role"], m["content"]) for m in prompt.messages]
        try:
            for chunk in self.chat.stream(messages):
                text = chunk.content if isinstance(chunk.content, str) else ""
                usage = _usage(chunk)
                if text or usage:
                    yield Chunk(text=text, usage=usage)
        except _TRANSIENT as exc:
            raise LLMUnavailable(f"{self.name} unavailable: {exc}") from exc
        except openai.APIError as exc:
            raise LLMError(f"{self.name} refused the request: {exc}") from exc


@lru_cache(maxsize=4)
def openai_chat_model(
    model: str, base_url: str | None, api_key: str, timeout: float
) -> OpenAIChatModel:
    # A reply is not retried once it has started streaming: no retries inside the client.
    chat = ChatOpenAI(
        model=model, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0,
        streaming=True, stream_usage=True,
    )  # fmt: skip
    return OpenAIChatModel(chat)
