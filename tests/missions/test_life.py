"""A mission's whole life with the local agent, the run called as its task calls it: plan,
question, answer, the plan written as memories, a check-in woken when due, completed."""

import datetime

import pytest
from django.utils import timezone

from memories.models import Memory
from missions.models import Mission, MissionStep
from missions.pipelines.runner import mission_advance
from missions.services import missions_wake_due
from tests.missions.conftest import GOAL, MISSIONS

pytestmark = pytest.mark.django_db(transaction=True)


def _start(client) -> dict:
    response = client.post(MISSIONS, {"goal": GOAL}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def _detail(client, mission_id: str) -> dict:
    return client.get(f"{MISSIONS}/{mission_id}").json()


def _steps(mission_id: str) -> list[tuple[str, str, int]]:
    return list(
        MissionStep.objects.filter(mission_id=mission_id)
        .order_by("index")
        .values_list("kind", "status", "attempts")
    )


def test_a_mission_plans_asks_writes_its_plan_checks_in_and_completes(
    user_client, user, mission_sent
):
    started = _start(user_client)
    assert (started["status"], started["title"]) == ("planning", GOAL)
    assert mission_sent == [started["id"]]
    assert mission_advance(mission_id=started["id"])

    waiting = _detail(user_client, started["id"])
    assert waiting["status"] == "waiting"
    assert waiting["question"]["text"].startswith("What matters most to you about this")
    assert [s["status"] for s in waiting["steps"]] == ["done", "running", "pending", "pending",
                                                       "pending"]  # fmt: skip

    answer = {"question": waiting["question"]["id"], "content": "Finishing under two hours"}
    response = user_client.post(f"{MISSIONS}/{started['id']}/answer", answer, format="json")
    assert response.status_code == 202, response.content
    assert mission_advance(mission_id=started["id"])

    scheduled = _detail(user_client, started["id"])
    assert scheduled["status"] == "scheduled"
    assert missions_wake_due() == 0  # not due for a day
    Mission.objects.filter(pk=started["id"]).update(wake_at=timezone.now())
    assert missions_wake_due() == 1
    assert mission_advance(mission_id=started["id"])

    done = _detail(user_client, started["id"])
    assert done["status"] == "completed"
    assert done["summary"].startswith("Done: get ready for the Porto half-marathon")
    # Each step ran once: the recall before the question was not run again on resume.
    assert _steps(started["id"]) == [("agent", "done", 1), ("ask", "done", 1),
                                     ("agent", "done", 1), ("check_in", "done", 1),
                                     ("agent", "done", 1)]  # fmt: skip
    notes = Memory.objects.filter(user=user, collection_id=done["collection"])
    assert sorted(notes.values_list("content", flat=True)) == [
        "For get ready for the Porto half-marathon in March, what matters most to the user: "
        "Finishing under two hours",
        "Plan for get ready for the Porto half-marathon in March: start this week, keep to what "
        "matters most, check in often",
        "User's goal: get ready for the Porto half-marathon in March",
    ]
    assert done["steps"][1]["output"] == "Finishing under two hours"
    assert not mission_advance(mission_id=started["id"])  # nothing more to run


def test_the_recall_step_finds_the_users_memories(user_client, user, other_user, mission_sent):
    from memories.services import memory_create

    memory_create(user=user, content="User runs 30 km a week")
    memory_create(user=other_user, content="User runs marathons in Oslo")
    started = _start(user_client)
    mission_advance(mission_id=started["id"])
    recall = _detail(user_client, started["id"])["steps"][0]["output"]
    assert "User runs 30 km a week" in recall
    assert "Oslo" not in recall


def test_a_check_in_is_due_after_the_configured_interval(user_client, mission_sent, settings):
    settings.MISSIONS_CHECK_IN_SECONDS = 2
    started = _start(user_client)
    mission_advance(mission_id=started["id"])
    question = _detail(user_client, started["id"])["question"]
    user_client.post(f"{MISSIONS}/{started['id']}/answer",
                     {"question": question["id"], "content": "Fun"}, format="json")  # fmt: skip
    mission_advance(mission_id=started["id"])
    wake_at = Mission.objects.get(pk=started["id"]).wake_at
    assert datetime.timedelta(seconds=1) < wake_at - timezone.now() <= datetime.timedelta(seconds=2)
