"""A mission's live events reach its owner's socket, in order, and never another user's."""

import pytest

from missions.pipelines.runner import mission_advance
from tests.missions.conftest import ASKED, GOAL, MISSIONS
from tests.support.missions import event_mission, mission_timeline
from tests.support.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _to_its_question(client, goal: str) -> dict:
    mission = client.post(MISSIONS, {"goal": goal}, format="json").json()
    mission_advance(mission_id=mission["id"])
    return client.get(f"{MISSIONS}/{mission['id']}").json()


def _asked(socket) -> list[dict]:
    return wait_for(lambda: socket.of_type("mission.question"), timeout=10, interval=0.02)


def test_a_missions_events_reach_its_owner_in_order_and_nobody_else(
    user, other_user, user_client, other_client, socket_for, mission_sent
):
    with socket_for(user) as mine, socket_for(other_user) as theirs:
        waiting = _to_its_question(user_client, GOAL)
        (question,) = _asked(mine)
        assert mission_timeline(mine) == [
            ("updated", "planning"),
            *[("step", index, "pending") for index in range(5)],
            ("updated", "running"),
            ("step", 0, "running"), ("step", 0, "done"),
            ("step", 1, "running"), ("updated", "waiting"), ("question", ASKED),
        ]  # fmt: skip
        assert {event_mission(e) for e in mine.of_type("mission.")} == {waiting["id"]}
        assert question["question"] == waiting["question"]

        other = _to_its_question(other_client, "Help me plan my move to Bergen")
        _asked(theirs)
    assert {event_mission(e) for e in theirs.of_type("mission.")} == {other["id"]}
    assert {event_mission(e) for e in mine.of_type("mission.")} == {waiting["id"]}


def test_an_answer_and_what_the_run_does_with_it_arrive_in_order(
    user, user_client, socket_for, mission_sent
):
    waiting = _to_its_question(user_client, GOAL)
    with socket_for(user) as socket:
        answer = {"question": waiting["question"]["id"], "content": "Under two hours"}
        user_client.post(f"{MISSIONS}/{waiting['id']}/answer", answer, format="json")
        mission_advance(mission_id=waiting["id"])
        wait_for(lambda: ("updated", "scheduled") in mission_timeline(socket), timeout=10)
    assert len(socket.of_type("memory.created")) == 3  # the plan, written as memories
    assert mission_timeline(socket) == [
        ("updated", "running"),  # the answer
        ("step", 1, "done"), ("updated", "running"),
        ("step", 2, "running"), ("step", 2, "done"),
        ("step", 3, "running"), ("updated", "scheduled"),
    ]  # fmt: skip
