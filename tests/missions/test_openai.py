"""The openai agent against the fake OpenAI server: planning and steps by tool calling through
langchain-openai; a malformed tool call fails the step clearly, and the mission can be retried."""

import functools
import json

import pytest

from memories.models import Memory
from missions.models import MissionStep
from missions.pipelines.runner import mission_advance
from tests.missions.agent_script import scripted
from tests.missions.conftest import GOAL, MISSIONS
from tests.support.fake_openai import FakeOpenAI, tool_calls_completion

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def openai_settings(settings):
    settings.LLM_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    return settings


def _start(client) -> str:
    return client.post(MISSIONS, {"goal": GOAL}, format="json").json()["id"]


def _answer(client, mission_id: str, content: str) -> None:
    question = client.get(f"{MISSIONS}/{mission_id}").json()["question"]
    body = {"question": question["id"], "content": content}
    assert client.post(f"{MISSIONS}/{mission_id}/answer", body, format="json").status_code == 202


def test_the_openai_agent_plans_and_works_the_steps_with_tools(
    user_client, user, openai_settings, mission_sent
):
    with FakeOpenAI(scripted) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        mission_id = _start(user_client)
        mission_advance(mission_id=mission_id)
        waiting = user_client.get(f"{MISSIONS}/{mission_id}").json()
        assert (waiting["status"], waiting["question"]["text"]) == ("waiting", "Goal time?")
        _answer(user_client, mission_id, "1:55")
        mission_advance(mission_id=mission_id)
    done = user_client.get(f"{MISSIONS}/{mission_id}").json()
    assert (done["status"], done["summary"]) == ("completed", "all set")
    assert [s["output"] for s in done["steps"]] == ["noted", "1:55", "all set"]
    assert list(Memory.objects.filter(user=user).values_list("content", "collection_id")) == [
        ("User wants to run Porto in March", __import__("uuid").UUID(done["collection"]))
    ]
    tools = {tool["function"]["name"] for tool in fake.requests[1]["tools"]}
    assert tools == {"search_memories", "memory_context", "remember", "ask_user",
                     "schedule_check_in", "finish_step"}  # fmt: skip
    # The answer resumed the thread: the first step's model calls were not made again.
    assert len(fake.requests) == 1 + 3 + 1 + 1


def test_a_malformed_tool_call_fails_the_step_and_the_mission_can_be_retried(
    user_client, user, openai_settings, mission_sent
):
    with FakeOpenAI(functools.partial(scripted, malformed=True)) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        mission_id = _start(user_client)
        mission_advance(mission_id=mission_id)
        failed = user_client.get(f"{MISSIONS}/{mission_id}").json()
        assert failed["status"] == "failed"
        assert failed["error"].startswith("malformed call to remember")
        assert failed["steps"][0]["status"] == "failed"
        fake.responder = scripted  # the model behaves now
        retried = user_client.post(f"{MISSIONS}/{mission_id}/retry", format="json")
        assert (retried.status_code, retried.json()["status"]) == (202, "running")
        mission_advance(mission_id=mission_id)
    again = user_client.get(f"{MISSIONS}/{mission_id}").json()
    assert again["status"] == "waiting"
    step = MissionStep.objects.get(mission_id=mission_id, index=0)
    assert (step.status, step.attempts) == ("done", 2)
    assert fake.calls("") >= 1


@pytest.mark.parametrize(
    "answer",
    [
        tool_calls_completion(("no_such_tool", "{}")),
        tool_calls_completion(
            ("plan_steps", json.dumps({"steps": [{"kind": "dance", "title": "x"}]}))
        ),
        tool_calls_completion(("plan_steps", "{not json")),
        (200, {"choices": []}),
    ],
)
def test_an_unusable_plan_fails_the_mission_with_a_clear_error(
    user_client, openai_settings, mission_sent, answer
):
    with FakeOpenAI(lambda request: answer) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        mission_id = _start(user_client)
        mission_advance(mission_id=mission_id)
    failed = user_client.get(f"{MISSIONS}/{mission_id}").json()
    assert failed["status"] == "failed"
    assert failed["error"]
