"""`openai`: a chat model asked for the same structured output through langchain-openai."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

import openai
from django.conf import settings
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from . import prompts
from .schema import (
    Candidate,
    Decision,
    Decisions,
    Extraction,
    LLMError,
    LLMUnavailable,
    Message,
    Related,
    decisions_check,
)

_TRANSIENT_OPENAI_ERRORS = (
    openai.APIConnectionError,  # includes timeouts
    openai.RateLimitError,
    openai.InternalServerError,
)
_INVALID_ANSWER_ERRORS = (
    openai.OpenAIError,
    ValidationError,
    OutputParserException,
    ModelRefusalError,
    ValueError,  # includes unparsable JSON
)


_Answer = TypeVar("_Answer", Extraction, Decisions)


class OpenAIProvider:
    """A chat model asked for `Extraction` and `Decisions` as JSON-schema structured output."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    def extract(self, *, messages: Sequence[Message]) -> list[Candidate]:
        extraction = self._ask(Extraction, prompts.extraction_prompt(messages))
        return [c for c in extraction.memories if _said_by_user(c.message_index, messages)]

    def decide(
        self, *, candidates: Sequence[Candidate], related: Sequence[Sequence[Related]]
    ) -> list[Decision]:
        decisions = self._ask(Decisions, prompts.decision_prompt(candidates, related))
        return decisions_check(decisions.decisions, related)

    def _ask(self, schema: type[_Answer], prompt: list[tuple[str, str]]) -> _Answer:
        try:
            answer = self.model.with_structured_output(schema, method="json_schema").invoke(prompt)
        except _TRANSIENT_OPENAI_ERRORS as exc:
            raise LLMUnavailable(f"{settings.LLM_MODEL} unavailable: {exc}") from exc
        except _INVALID_ANSWER_ERRORS as exc:
            raise LLMError(f"{settings.LLM_MODEL} gave no usable {schema.__name__}: {exc}") from exc
        if not isinstance(answer, schema):
            raise LLMError(f"{settings.LLM_MODEL} gave no {schema.__name__}")
        return answer


def _said_by_user(index: int, messages: Sequence[Message]) -> bool:
    return 0 <= index < len(messages) and messages[index]["role"] == "user"


@lru_cache(maxsize=4)
def openai_provider(
    model: str, base_url: str | None, api_key: str, timeout: float
) -> OpenAIProvider:
    # Imported here: langchain-openai takes seconds to import, and only this provider needs it.
    from langchain_openai import ChatOpenAI

    # Retries belong to the Celery task (with backoff), not to each HTTP call.
    chat = ChatOpenAI(
        model=model,
        api_key=api_key,
        base_url=base_url,
        temperature=0,
        timeout=timeout,
        max_retries=0,
    )
    return OpenAIProvider(chat)
