"""POST /memories/context: core memories first, then the most relevant, within the budget."""

import pytest

from memories.models import Memory
from memories.services import memory_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/memories/context"


def _post(client, *messages, **extra):
    payload = {"messages": [{"role": r, "content": c} for r, c in messages], **extra}
    return client.post(URL, payload, format="json")


@pytest.fixture
def remembered(user, other_user):
    memory_create(user=user, content="User's name is Ana", tier="core", importance=0.9)
    memory_create(user=user, content="User lives in Porto", tier="core", importance=0.8)
    memory_create(user=user, content="User has a dog named Bolt", tier="long_term")
    memory_create(user=user, content="User loves hiking in the mountains", tier="long_term")
    memory_create(user=other_user, content="User lives in Oslo", tier="core")
    memory_create(user=other_user, content="User has a dog named Rex", tier="long_term")


def test_core_first_then_the_most_relevant_to_the_latest_messages(user_client, remembered):
    response = _post(user_client, ("user", "Should I take my dog for a walk?"), max_characters=200)
    assert response.status_code == 200
    body = response.json()
    contents = [m["content"] for m in body["memories"]]
    assert contents[:3] == [
        "User's name is Ana",
        "User lives in Porto",
        "User has a dog named Bolt",
    ]
    assert [m["score"] for m in body["memories"][:2]] == [None, None]
    assert body["memories"][2]["score"] > body["memories"][3]["score"]
    assert body["context"] == "What you remember about the user:\n" + "\n".join(
        f"- {content}" for content in contents
    )


def test_the_block_stays_within_the_budget(user_client, remembered):
    header = "What you remember about the user:"
    budget = len(header) + len("\n- User's name is Ana") + len("\n- User lives in Porto")
    body = _post(user_client, ("user", "dog"), max_characters=budget).json()
    assert len(body["context"]) <= budget
    assert [m["content"] for m in body["memories"]] == ["User's name is Ana", "User lives in Porto"]
    assert _post(user_client, ("user", "dog"), max_characters=10).json() == {
        "context": "",
        "memories": [],
    }


def test_another_users_memories_never_come_back(other_client, user_client, remembered, user):
    body = _post(other_client, ("user", "Tell me about Ana's dog Bolt in Porto")).json()
    assert {m["content"] for m in body["memories"]} == {
        "User lives in Oslo",
        "User has a dog named Rex",
    }
    mine = Memory.objects.filter(user=user).values_list("access_count", flat=True)
    assert set(mine) == {0}


def test_bad_input_is_a_400(user_client):
    for payload in ({}, {"messages": []}, {"messages": [{"role": "robot", "content": "x"}]},
                    {"messages": [{"role": "user", "content": "x"}], "max_characters": 0},
                    {"messages": [{"role": "user", "content": "x"}], "budget": 10}):  # fmt: skip
        response = user_client.post(URL, payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["detail"] == "Invalid input."


def test_sign_in_required(api_client):
    assert _post(api_client, ("user", "hi")).status_code == 401
