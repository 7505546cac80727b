"""The missions API: idempotent POST, the limit, each state's 409s, two users, hostile input."""

import pytest

from missions.models import Mission
from missions.pipelines.runner import mission_advance
from tests.missions.conftest import GOAL, MISSIONS

pytestmark = pytest.mark.django_db(transaction=True)


def _start(client, **extra) -> dict:
    response = client.post(MISSIONS, {"goal": GOAL, **extra}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def _post(client, mission_id: str, action: str, body: dict | None = None):
    return client.post(f"{MISSIONS}/{mission_id}/{action}", body or {}, format="json")


def _waiting(client) -> dict:
    mission = _start(client)
    mission_advance(mission_id=mission["id"])
    return client.get(f"{MISSIONS}/{mission['id']}").json()


def test_the_same_client_mission_id_gives_back_the_same_mission(user_client, mission_sent):
    first = _start(user_client, client_mission_id="m-1")
    again = _start(user_client, client_mission_id="m-1")
    assert again["id"] == first["id"]
    assert Mission.objects.count() == 1
    assert mission_sent == [first["id"]]


def test_more_than_the_limit_of_unfinished_missions_is_a_409(user_client, settings, mission_sent):
    settings.MISSIONS_MAX_ACTIVE = 2
    first = _start(user_client)
    _start(user_client)
    response = user_client.post(MISSIONS, {"goal": GOAL}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "too_many_missions")
    assert _post(user_client, first["id"], "cancel").status_code == 200
    _start(user_client)  # a cancelled one leaves room
    retry = _post(user_client, first["id"], "retry")
    assert (retry.status_code, retry.json()["code"]) == (409, "too_many_missions")


def test_answering_needs_a_waiting_mission_and_its_own_question(user_client, mission_sent):
    waiting = _waiting(user_client)
    stale = _post(user_client, waiting["id"], "answer",
                  {"question": "00000000-0000-0000-0000-000000000000", "content": "x"})  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_question")
    answer = {"question": waiting["question"]["id"], "content": "Under two hours"}
    assert _post(user_client, waiting["id"], "answer", answer).status_code == 202
    again = _post(user_client, waiting["id"], "answer", answer)
    assert (again.status_code, again.json()["code"]) == (409, "not_waiting")


def test_pause_resume_cancel_and_retry_in_each_state(user_client, mission_sent):
    waiting = _waiting(user_client)
    mission_id = waiting["id"]
    assert _post(user_client, mission_id, "resume").json()["code"] == "not_paused"
    assert _post(user_client, mission_id, "retry").json()["code"] == "not_retryable"
    paused = _post(user_client, mission_id, "pause")
    assert (paused.status_code, paused.json()["status"]) == (200, "paused")
    assert _post(user_client, mission_id, "pause").json()["code"] == "already_paused"
    resumed = _post(user_client, mission_id, "resume")
    assert (resumed.status_code, resumed.json()["status"]) == (202, "waiting")
    assert resumed.json()["question"]["id"] == waiting["question"]["id"]
    cancelled = _post(user_client, mission_id, "cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert _post(user_client, mission_id, "cancel").json()["code"] == "already_cancelled"
    assert _post(user_client, mission_id, "pause").json()["code"] == "mission_finished"
    retried = _post(user_client, mission_id, "retry")
    assert (retried.status_code, retried.json()["status"]) == (202, "waiting")
    answer = {"question": waiting["question"]["id"], "content": "Under two hours"}
    assert _post(user_client, mission_id, "answer", answer).status_code == 202
    mission_advance(mission_id=mission_id)
    assert user_client.get(f"{MISSIONS}/{mission_id}").json()["status"] == "scheduled"
    Mission.objects.filter(pk=mission_id).update(status="completed")
    for action in ("pause", "cancel"):
        assert _post(user_client, mission_id, action).json()["code"] == "mission_finished"
    assert _post(user_client, mission_id, "retry").json()["code"] == "not_retryable"


def test_a_paused_running_mission_stops_and_goes_on_once_resumed(user_client, mission_sent):
    mission = _start(user_client)
    _post(user_client, mission["id"], "pause")
    assert not mission_advance(mission_id=mission["id"])  # a paused one is not run
    resumed = _post(user_client, mission["id"], "resume")
    assert resumed.json()["status"] == "planning"
    assert mission_advance(mission_id=mission["id"])
    assert user_client.get(f"{MISSIONS}/{mission['id']}").json()["status"] == "waiting"


def test_another_users_missions_are_invisible(user_client, other_client, mission_sent):
    mine = _waiting(user_client)
    _start(other_client)
    listed = user_client.get(MISSIONS).json()["results"]
    assert [m["id"] for m in listed] == [mine["id"]]
    for method, path in (("get", ""), ("patch", ""), ("delete", ""), ("post", "/pause"),
                         ("post", "/resume"), ("post", "/cancel"), ("post", "/retry"),
                         ("post", "/answer")):  # fmt: skip
        response = getattr(other_client, method)(f"{MISSIONS}/{mine['id']}{path}", {},
                                                 format="json")  # fmt: skip
        assert response.status_code == 404, (method, path)
    assert Mission.objects.get(pk=mine["id"]).status == "waiting"


def test_the_list_filters_by_status_and_the_title_can_change(user_client, mission_sent):
    waiting = _waiting(user_client)
    planning = _start(user_client, title="Move to Bergen")
    assert [m["id"] for m in user_client.get(MISSIONS, {"status": "planning"}).json()["results"]] \
        == [planning["id"]]  # fmt: skip
    bad = user_client.get(MISSIONS, {"status": "sleeping"})
    assert bad.status_code == 400
    renamed = user_client.patch(f"{MISSIONS}/{waiting['id']}", {"title": "Porto"}, format="json")
    assert (renamed.status_code, renamed.json()["title"]) == (200, "Porto")
    assert len(renamed.json()["steps"]) == 5


def test_deleting_a_mission_removes_it_and_its_checkpoints(user_client, mission_sent):
    from django.db import connection

    waiting = _waiting(user_client)
    assert user_client.delete(f"{MISSIONS}/{waiting['id']}").status_code == 204
    assert not Mission.objects.filter(pk=waiting["id"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", [waiting["id"]])
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"goal": "a\x00b"},
        {"goal": "x" * 2001},
        {"goal": ""},
        {"goal": 42},
        {"goal": GOAL, "title": "t" * 201},
        {"goal": GOAL, "surprise": 1},
        {},
    ],
)
def test_hostile_mission_input_is_a_400_and_stores_nothing(user_client, body, mission_sent):
    response = user_client.post(MISSIONS, body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"detail", "code"}
    assert not Mission.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"question": "not-a-uuid", "content": "x"},
        {"question": "00000000-0000-0000-0000-000000000000", "content": "a\x00"},
        {"content": "x"},
        {"question": "00000000-0000-0000-0000-000000000000", "content": "x" * 4001},
    ],
)
def test_hostile_answers_are_a_400(user_client, body, mission_sent):
    waiting = _waiting(user_client)
    response = _post(user_client, waiting["id"], "answer", body)
    assert response.status_code == 400, response.content
    assert Mission.objects.get(pk=waiting["id"]).status == "waiting"


def test_a_malformed_mission_id_is_a_404(user_client):
    assert user_client.get(f"{MISSIONS}/not-an-id").status_code == 404
    assert _post(user_client, "not-an-id", "pause").status_code == 404
