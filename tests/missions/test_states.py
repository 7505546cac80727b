"""Every action in every state of a mission: what it does, or the 409 that says why not; a 409
changes nothing and sends nothing."""

import datetime
import uuid

import pytest
from django.utils import timezone

from missions.models import Mission, MissionStep
from tests.missions.conftest import GOAL, MISSIONS

pytestmark = pytest.mark.django_db

QUESTION = uuid.UUID("5f0c7d8e-0000-4000-8000-000000000001")
ACTIONS = ("pause", "resume", "cancel", "retry", "answer")

# state -> action -> (status code, the 409's code or the status the mission goes to)
EXPECTED = {
    "planning": {"pause": (200, "paused"), "resume": (409, "not_paused"),
                 "cancel": (200, "cancelled"), "retry": (409, "not_retryable"),
                 "answer": (409, "not_waiting")},
    "running": {"pause": (200, "paused"), "resume": (409, "not_paused"),
                "cancel": (200, "cancelled"), "retry": (409, "not_retryable"),
                "answer": (409, "not_waiting")},
    "waiting": {"pause": (200, "paused"), "resume": (409, "not_paused"),
                "cancel": (200, "cancelled"), "retry": (409, "not_retryable"),
                "answer": (202, "running")},
    "scheduled": {"pause": (200, "paused"), "resume": (409, "not_paused"),
                  "cancel": (200, "cancelled"), "retry": (409, "not_retryable"),
                  "answer": (409, "not_waiting")},
    "paused": {"pause": (409, "already_paused"), "resume": (202, "waiting"),
               "cancel": (200, "cancelled"), "retry": (409, "not_retryable"),
               "answer": (409, "not_waiting")},
    "completed": {"pause": (409, "mission_finished"), "resume": (409, "not_paused"),
                  "cancel": (409, "mission_finished"), "retry": (409, "not_retryable"),
                  "answer": (409, "not_waiting")},
    "failed": {"pause": (409, "mission_finished"), "resume": (409, "not_paused"),
               "cancel": (409, "mission_finished"), "retry": (202, "running"),
               "answer": (409, "not_waiting")},
    "cancelled": {"pause": (409, "mission_finished"), "resume": (409, "not_paused"),
                  "cancel": (409, "already_cancelled"), "retry": (202, "running"),
                  "answer": (409, "not_waiting")},
}  # fmt: skip
CASES = [(state, action) for state in EXPECTED for action in ACTIONS]


def _waiting() -> dict:
    return {"question_id": QUESTION, "question_text": "By when?",
            "question_asked_at": timezone.now()}  # fmt: skip


def _fields(state: str) -> dict:
    """What a mission in `state` holds besides its status (as a run leaves it)."""
    finished = {"finished_at": timezone.now()}
    return {
        "waiting": _waiting(),
        "scheduled": {"wake_at": timezone.now() + datetime.timedelta(days=1)},
        "paused": {**_waiting(), "paused_from": Mission.Status.WAITING},
        "completed": {**finished, "summary": "Done"},
        "failed": {**finished, "error": "gave up after 3 attempts"},
        "cancelled": finished,
    }.get(state, {})


def _mission_in(user, state: str) -> Mission:
    mission = Mission.objects.create(user=user, title="Porto", goal=GOAL, status=state,
                                     **_fields(state))  # fmt: skip
    MissionStep.objects.create(mission=mission, index=0, kind="agent", title="Recall",
                               status="done", output="Nothing yet")  # fmt: skip
    return mission


def _act(client, mission: Mission, action: str):
    body = {"question": str(QUESTION), "content": "Under two hours"} if action == "answer" else {}
    return client.post(f"{MISSIONS}/{mission.pk}/{action}", body, format="json")


@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_each_action_in_each_state(
    user_client, user, mission_sent, django_capture_on_commit_callbacks, state, action
):
    mission = _mission_in(user, state)
    status_code, outcome = EXPECTED[state][action]

    with django_capture_on_commit_callbacks(execute=True):
        response = _act(user_client, mission, action)

    assert response.status_code == status_code, response.content
    mission.refresh_from_db()
    if status_code == 409:
        assert response.json()["code"] == outcome
        assert mission.status == state
        assert mission_sent == []
    else:
        assert response.json()["status"] == mission.status == outcome
        assert mission_sent == ([str(mission.pk)] if outcome == "running" else [])


def test_a_paused_mission_resumes_to_the_state_it_was_paused_in(
    user_client, user, mission_sent, django_capture_on_commit_callbacks
):
    asleep = _mission_in(user, "scheduled")
    assert _act(user_client, asleep, "pause").json()["status"] == "paused"
    resumed = _act(user_client, asleep, "resume")
    assert (resumed.status_code, resumed.json()["status"]) == (202, "scheduled")
    overdue = _mission_in(user, "scheduled")
    _act(user_client, overdue, "pause")
    Mission.objects.filter(pk=overdue.pk).update(wake_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert _act(user_client, overdue, "resume").json()["status"] == "running"
    assert mission_sent == [str(overdue.pk)]  # its check-in came while it was paused
