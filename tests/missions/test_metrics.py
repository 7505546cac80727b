"""The missions' metrics: missions by how they ended with their durations, steps by kind and
status with theirs."""

import pytest
from django.utils import timezone

from missions.models import Mission
from missions.pipelines.runner import mission_advance
from missions.services import mission_cancel, missions_wake_due
from tests.missions.conftest import GOAL, MISSIONS
from tests.support.metrics import sample

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ("agent", "ask", "check_in")
WATCHED = [
    *[("missions_total", {"status": s}) for s in ("completed", "cancelled", "failed")],
    ("mission_duration_seconds_count", {"status": "completed"}),
    ("mission_duration_seconds_count", {"status": "cancelled"}),
    *[("mission_steps_total", {"kind": k, "status": s}) for k in KINDS for s in ("done", "failed")],
    *[("mission_step_duration_seconds_count", {"kind": k}) for k in KINDS],
]


def _name(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ",".join(f"{key}={value}" for key, value in labels.items()) + "}"


def _snapshot() -> list[float]:
    return [sample(name, **labels) for name, labels in WATCHED]


def _grown(before: list[float]) -> dict[str, float]:
    """The watched samples that changed since `before`, by how much."""
    changes = zip(WATCHED, before, _snapshot(), strict=True)
    return {_name(*watched): after - was for watched, was, after in changes if after != was}


def _start(client) -> str:
    mission_id = client.post(MISSIONS, {"goal": GOAL}, format="json").json()["id"]
    mission_advance(mission_id=mission_id)  # to its question
    return mission_id


def _complete(client, mission_id: str) -> None:
    question = client.get(f"{MISSIONS}/{mission_id}").json()["question"]
    client.post(f"{MISSIONS}/{mission_id}/answer", {"question": question["id"], "content": "Fun"},
                format="json")  # fmt: skip
    mission_advance(mission_id=mission_id)  # to its check-in
    Mission.objects.filter(pk=mission_id).update(wake_at=timezone.now())
    missions_wake_due()
    mission_advance(mission_id=mission_id)


def test_a_completed_mission_counts_once_and_each_step_by_kind(user_client, mission_sent):
    before = _snapshot()
    mission_id = _start(user_client)
    _complete(user_client, mission_id)
    assert Mission.objects.get(pk=mission_id).status == "completed"
    assert _grown(before) == {
        "missions_total{status=completed}": 1,
        "mission_duration_seconds_count{status=completed}": 1,
        "mission_steps_total{kind=agent,status=done}": 3,
        "mission_steps_total{kind=ask,status=done}": 1,
        "mission_steps_total{kind=check_in,status=done}": 1,
        "mission_step_duration_seconds_count{kind=agent}": 3,
        "mission_step_duration_seconds_count{kind=ask}": 1,
        "mission_step_duration_seconds_count{kind=check_in}": 1,
    }


def test_a_cancelled_mission_counts_as_cancelled_and_the_step_it_was_in_as_failed(
    user_client, mission_sent
):
    mission_id = _start(user_client)
    before = _snapshot()
    mission_cancel(mission=Mission.objects.get(pk=mission_id))
    assert _grown(before) == {
        "missions_total{status=cancelled}": 1,
        "mission_duration_seconds_count{status=cancelled}": 1,
        "mission_steps_total{kind=ask,status=failed}": 1,
        "mission_step_duration_seconds_count{kind=ask}": 1,
    }
