"""The model behind the pipelines, chosen by `LLM_PROVIDER`, behind one interface.

`local` (the default) is offline and deterministic: first-person statements of the user are
matched against rules for attribute slots (`local_rules.py`). `openai` asks a chat model for
the same structured output through langchain-openai.
"""

from __future__ import annotations

from django.conf import settings

from .local import LocalProvider
from .openai import OpenAIProvider, openai_provider
from .schema import (
    PREFERENCE_SLOTS,
    SINGLE_VALUED_SLOTS,
    Action,
    Candidate,
    Decision,
    Decisions,
    Extraction,
    LLMError,
    LLMProvider,
    LLMUnavailable,
    Message,
    Related,
    Slot,
    Tier,
    decisions_check,
    normalise,
    slot_key,
)

__all__ = [
    "PREFERENCE_SLOTS",
    "SINGLE_VALUED_SLOTS",
    "Action",
    "Candidate",
    "Decision",
    "Decisions",
    "Extraction",
    "LLMError",
    "LLMProvider",
    "LLMUnavailable",
    "LocalProvider",
    "Message",
    "OpenAIProvider",
    "Related",
    "Slot",
    "Tier",
    "decisions_check",
    "get_llm",
    "normalise",
    "slot_key",
]


def get_llm() -> LLMProvider:
    provider = settings.LLM_PROVIDER
    if provider == "local":
        return LocalProvider()
    if provider == "openai":
        if not settings.OPENAI_API_KEY:
            raise LLMError("LLM_PROVIDER is openai but OPENAI_API_KEY is not set")
        return openai_provider(
            settings.LLM_MODEL,
            settings.OPENAI_BASE_URL,
            settings.OPENAI_API_KEY,
            settings.LLM_TIMEOUT_SECONDS,
        )
    raise LLMError(f"unknown LLM_PROVIDER {provider!r}")
