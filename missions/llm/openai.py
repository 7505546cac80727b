"""`openai`: a chat model plans the mission and works its steps by tool calling, through
langchain-openai. A tool call that cannot be read (bad JSON, an unknown tool, arguments that do
not fit) fails the step with an AgentError naming it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import openai
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from memories.llm import LLMUnavailable

from . import prompts
from .schema import AgentError, PlannedStep, StepOutcome, StepTask, Tools

_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def _arguments(call: dict[str, Any], schema: type[BaseModel]) -> BaseModel:
    try:
        return schema.model_validate(call["args"])
    except ValidationError as exc:
        raise AgentError(f"malformed call to {call['name']}: {exc.errors()[0]['msg']}") from exc


def _calls(answer: AIMessage) -> list[dict[str, Any]]:
    """The answer's tool calls; AgentError for one that cannot be read."""
    if answer.invalid_tool_calls:
        bad = answer.invalid_tool_calls[0]
        raise AgentError(f"malformed call to {bad.get('name')}: {bad.get('error') or 'bad JSON'}")
    for call in answer.tool_calls:
        if call["name"] not in prompts.TOOLS and call["name"] != prompts.PLAN_TOOL:
            raise AgentError(f"call to an unknown tool {call['name']!r}")
    return list(answer.tool_calls)


def _run_tool(tools: Tools, name: str, args: BaseModel) -> StepOutcome | str:
    """A tool's result: a StepOutcome ends the step, a text goes back to the model."""
    result = getattr(tools, name)(**args.model_dump())
    if isinstance(result, list):
        return "\n".join(result) or "(nothing found)"
    return result


class OpenAIAgent:
    def __init__(self, chat: ChatOpenAI, max_rounds: int) -> None:
        self.chat = chat
        self.name = chat.model_name
        self.max_rounds = max_rounds

    def _invoke(self, messages: list[Any], tools: list[dict[str, Any]], **options: Any) -> Any:
        try:
            return self.chat.bind_tools(tools, **options).invoke(messages)
        except _TRANSIENT as exc:
            raise LLMUnavailable(f"{self.name} unavailable: {exc}") from exc
        except openai.APIError as exc:
            raise AgentError(f"{self.name} refused the request: {exc}") from exc
        except (ValueError, IndexError) as exc:  # an answer with no choice, or not a message
            raise AgentError(f"{self.name} gave no usable answer: {exc!r}") from exc

    def plan(self, *, goal: str, max_steps: int) -> list[PlannedStep]:
        tool = prompts.tool_definition(prompts.PLAN_TOOL, prompts.PlanSteps)
        answer = self._invoke(prompts.plan_prompt(goal, max_steps), [tool],
                              tool_choice=prompts.PLAN_TOOL)  # fmt: skip
        calls = _calls(answer)
        if not calls or calls[0]["name"] != prompts.PLAN_TOOL:
            raise AgentError(f"{self.name} gave no plan")
        plan = _arguments(calls[0], prompts.PlanSteps)
        assert isinstance(plan, prompts.PlanSteps)
        return [PlannedStep(step.kind, step.title) for step in plan.steps][:max_steps]

    def work(self, *, task: StepTask, tools: Tools) -> StepOutcome:
        definitions = [prompts.tool_definition(n, s) for n, s in prompts.TOOLS.items()]
        messages: list[BaseMessage | tuple[str, str]] = list(prompts.step_prompt(task))
        for _ in range(self.max_rounds):
            answer = self._invoke(messages, definitions)
            calls = _calls(answer)
            if not calls:
                return tools.finish_step(str(answer.content))
            messages.append(answer)
            for call in calls:
                result = _run_tool(
                    tools, call["name"], _arguments(call, prompts.TOOLS[call["name"]])
                )
                if isinstance(result, StepOutcome):
                    return result
                messages.append(ToolMessage(result, tool_call_id=call["id"]))
        raise AgentError(f"step {task.index} did not end after {self.max_rounds} tool rounds")


@lru_cache(maxsize=4)
def openai_agent(
    model: str, base_url: str | None, api_key: str, timeout: float, max_rounds: int
) -> OpenAIAgent:
    chat = ChatOpenAI(model=model, api_key=api_key, base_url=base_url, timeout=timeout,
                      max_retries=0)  # fmt: skip
    return OpenAIAgent(chat, max_rounds)
