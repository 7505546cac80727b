"""A user's missions are in their export with their steps, and go with them, checkpoints and
collection included, when Clerk deletes the user; another user's stay."""

import pytest

from accounts.models import User
from memories.models import Memory, MemoryCollection
from missions.models import Mission, MissionStep
from missions.pipelines.runner import mission_advance
from tests.missions.conftest import GOAL, MISSIONS
from tests.support.ingestion import checkpoints
from tests.support.webhooks import WEBHOOK_SECRET, deleted_event, deliver

pytestmark = pytest.mark.django_db(transaction=True)

OSLO = "Help me plan my move to Oslo"


def _planned(client, goal: str, answer: str | None = None) -> dict:
    """A mission run to its question, and past it (its plan written as memories) when
    `answer` is given."""
    mission = client.post(MISSIONS, {"goal": goal}, format="json").json()
    mission_advance(mission_id=mission["id"])
    if answer is not None:
        question = client.get(f"{MISSIONS}/{mission['id']}").json()["question"]
        client.post(f"{MISSIONS}/{mission['id']}/answer",
                    {"question": question["id"], "content": answer}, format="json")  # fmt: skip
        mission_advance(mission_id=mission["id"])
    return client.get(f"{MISSIONS}/{mission['id']}").json()


def test_the_export_holds_the_users_missions_with_their_steps_and_nobody_elses(
    user_client, other_client, mission_sent
):
    mine = _planned(user_client, GOAL, answer="Under two hours")
    _planned(other_client, OSLO)
    export = user_client.get("/api/v1/users/me/export").json()
    (mission,) = export["missions"]
    assert (mission["id"], mission["goal"], mission["status"]) == (mine["id"], GOAL, "scheduled")
    assert mission["steps"] == mine["steps"]
    assert [(s["index"], s["kind"], s["status"]) for s in mission["steps"]] == [
        (0, "agent", "done"), (1, "ask", "done"), (2, "agent", "done"),
        (3, "check_in", "running"), (4, "agent", "pending"),
    ]  # fmt: skip
    assert mission["steps"][1]["output"] == "Under two hours"
    assert "Oslo" not in str(export)


def test_user_deleted_erases_missions_steps_checkpoints_and_collection(
    client, settings, user, user_client, other_client, mission_sent
):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    mine = _planned(user_client, GOAL, answer="Under two hours")
    kept = _planned(other_client, OSLO)
    assert Memory.objects.filter(collection_id=mine["collection"]).count() == 3
    assert checkpoints(mine["id"]) > 0

    assert deliver(client, deleted_event(user.clerk_user_id)).status_code == 200

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Mission.objects.filter(pk=mine["id"]).exists()
    assert not MissionStep.objects.filter(mission_id=mine["id"]).exists()
    assert checkpoints(mine["id"]) == 0
    assert not MemoryCollection.objects.filter(pk=mine["collection"]).exists()
    assert not Memory.objects.filter(collection_id=mine["collection"]).exists()
    assert [str(pk) for pk in Mission.objects.values_list("pk", flat=True)] == [kept["id"]]
    assert MissionStep.objects.filter(mission_id=kept["id"]).count() == 5
    assert checkpoints(kept["id"]) > 0
    assert MemoryCollection.objects.filter(pk=kept["collection"]).exists()
