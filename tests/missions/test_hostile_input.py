"""Hostile input to the missions API is a 400 naming the problem, never a 500, and changes
nothing: NUL and lone surrogates in every text a client writes, a tampered cursor, a filter
that is no status."""

import base64

import pytest

from missions.models import Mission
from tests.missions.conftest import GOAL, MISSIONS
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

UNSTORABLE = [r"a\u0000b", r"\ud800", r"tail \udfff", r"\udc00\ud800"]
WRITES = [
    ("post", "", '{"goal": "TEXT"}'),
    ("post", "", '{"goal": "Run", "title": "TEXT"}'),
    ("post", "", '{"goal": "Run", "client_mission_id": "TEXT"}'),
    ("patch", "/MISSION", '{"title": "TEXT"}'),
    ("post", "/MISSION/answer", '{"question": "QUESTION", "content": "TEXT"}'),
]


@pytest.fixture
def waiting(user) -> Mission:
    return Mission.objects.create(user=user, title="Porto", goal=GOAL, status="waiting",
                                  question_id="5f0c7d8e-0000-4000-8000-000000000001",
                                  question_text="By when?")  # fmt: skip


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_nul_or_a_lone_surrogate_in_any_text_is_a_400_and_changes_nothing(
    user_client, waiting, mission_sent, text, method, path, body
):
    path = path.replace("MISSION", str(waiting.pk))
    body = body.replace("QUESTION", str(waiting.question_id)).replace("TEXT", text)

    response = getattr(user_client, method)(MISSIONS + path, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unstorable_text"
    assert list(Mission.objects.values_list("pk", "title", "status")) == [
        (waiting.pk, "Porto", "waiting")
    ]
    assert mission_sent == []


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [_cursor("p=notatime"), _cursor("p=\x00"), _cursor("o=1&r=1&p=1' OR 1=1"), _cursor("o=-5"),
     "%%%", "AAAA" * 1000],
)  # fmt: skip
def test_a_tampered_cursor_is_a_400_invalid_cursor(user_client, waiting, cursor):
    response = user_client.get(MISSIONS, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_pages_follow_their_cursor_and_never_reach_another_users_missions(user_client, user):
    other = Mission.objects.create(user=UserFactory(), title="Oslo", goal="Move to Oslo")
    mine = [Mission.objects.create(user=user, title=f"Run {i}", goal=GOAL) for i in range(3)]

    first = user_client.get(MISSIONS, {"page_size": 2}).json()
    second = user_client.get(first["next"]).json()

    seen = [m["id"] for m in first["results"] + second["results"]]
    assert seen == [str(m.pk) for m in reversed(mine)]
    assert str(other.pk) not in seen
    assert second["next"] is None


@pytest.mark.parametrize("status", ["sleeping", "\x00", "WAITING", "waiting,running"])
def test_a_status_filter_that_is_no_status_is_a_400(user_client, status):
    response = user_client.get(MISSIONS, {"status": status})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]
