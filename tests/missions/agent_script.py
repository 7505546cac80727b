"""A scripted model for the openai agent's tests: it answers each request by what was asked
(the plan, or the step in the last message) and what the tools already said."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fake_openai import tool_calls_completion

PLAN = [
    {"kind": "agent", "title": "Recall and note"},
    {"kind": "ask", "title": "Ask what matters"},
    {"kind": "agent", "title": "Wrap up"},
]


def _step(request: dict[str, Any]) -> dict[str, Any]:
    human = next(m for m in request["messages"] if m["role"] == "user")
    return json.loads(human["content"].split("\n", 1)[1])["step"]


def _tool_results(request: dict[str, Any]) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "tool"]


def scripted(request: dict[str, Any], *, malformed: bool = False) -> Any:
    """Plan three steps; the first searches, remembers a note and finishes; the second asks;
    the third finishes. `malformed`: the first step's remember call is not JSON."""
    if request.get("tool_choice"):
        return tool_calls_completion(("plan_steps", json.dumps({"steps": PLAN})))
    step, results = _step(request), _tool_results(request)
    if step["index"] == 0:
        if not results:
            return tool_calls_completion(("search_memories", json.dumps({"query": "running"})))
        if len(results) == 1:
            arguments = '{"content": "Runs on Sundays' if malformed else json.dumps(
                {"content": "User wants to run Porto in March"})  # fmt: skip
            return tool_calls_completion(("remember", arguments))
        return tool_calls_completion(("finish_step", json.dumps({"output": "noted"})))
    if step["index"] == 1:
        return tool_calls_completion(("ask_user", json.dumps({"question": "Goal time?"})))
    return tool_calls_completion(("finish_step", json.dumps({"output": "all set"})))
