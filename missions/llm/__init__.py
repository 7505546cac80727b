"""The agent behind the missions, chosen by `LLM_PROVIDER`, behind one interface.

`local` (the default) is offline and deterministic: a plan from the goal by rules. `openai`
plans and works the steps by tool calling through langchain-openai. Errors are the memory
pipelines' (`LLMError`, `LLMUnavailable`), and `AgentError` for an answer that cannot be used.
"""

from __future__ import annotations

from django.conf import settings

from memories.llm import LLMError, LLMUnavailable

from .local import LocalAgent
from .openai import openai_agent
from .schema import Agent, AgentError, PlannedStep, StepOutcome, StepTask, Tools

__all__ = [
    "Agent", "AgentError", "LLMError", "LLMUnavailable", "PlannedStep", "StepOutcome", "StepTask",
    "Tools", "get_agent",
]  # fmt: skip


def get_agent() -> Agent:
    provider = settings.LLM_PROVIDER
    if provider == "local":
        return LocalAgent()
    if provider == "openai":
        if not settings.OPENAI_API_KEY:
            raise LLMError("LLM_PROVIDER is openai but OPENAI_API_KEY is not set")
        return openai_agent(
            settings.MISSIONS_MODEL, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY,
            settings.LLM_TIMEOUT_SECONDS, settings.MISSIONS_TOOL_ROUNDS,
        )  # fmt: skip
    raise LLMError(f"unknown LLM_PROVIDER {provider!r}")
