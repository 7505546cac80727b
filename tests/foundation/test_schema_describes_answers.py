"""Every JSON answer matches the OpenAPI schema's description of it, key for key and type for
type: the output serializers document what the render functions produce, so the two agree. The
operations come from the schema itself, so a new one is checked as soon as it appears."""

import pytest
from django.utils import timezone

from conversations.models import Message
from conversations.services import conversation_create, message_send
from memories.models import IngestionJob
from memories.services import memory_collection_create, memory_create
from missions.models import Mission
from tests.support.factories import UserFactory
from tests.support.openapi import API_PREFIX, answer_schema, api_schema, schema_errors
from tests.support.webhooks import WEBHOOK_SECRET, clerk_event, clerk_user, deliver

pytestmark = pytest.mark.django_db

QUESTION = "6f0c1c55-7d1e-4d43-9a4b-2b9ad7a0c001"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return api_schema()


@pytest.fixture
def stored(user, settings):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    trips = memory_collection_create(user=user, name="Trips")
    memory = memory_create(user=user, content="User loves hiking", collection=trips)
    job = IngestionJob.objects.create(user=user, messages=[{"role": "user", "content": "Hi"}])
    conversation = conversation_create(user=user, title="Hello")
    _, pending, _ = message_send(conversation=conversation, content="Hi there")
    _, failed, _ = message_send(conversation=conversation_create(user=user), content="Hi again")
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)
    quiet = conversation_create(user=user)
    return {"memory": memory, "collection": trips, "job": job, "conversation": conversation,
            "pending": pending, "failed": failed, "quiet": quiet, **_missions(user)}  # fmt: skip


def _missions(user):
    """A mission in each state an action needs (waiting for QUESTION, paused, failed)."""
    waiting = {"status": Mission.Status.WAITING, "question_id": QUESTION, "question_text": "When?",
               "question_asked_at": timezone.now()}  # fmt: skip
    states = {"mission": waiting, "waiting": waiting, "pausable": waiting,
              "cancellable": waiting, "paused": {"status": Mission.Status.PAUSED,
              "paused_from": Mission.Status.WAITING}, "failed_mission": {
              "status": Mission.Status.FAILED, "error": "gave up"}}  # fmt: skip
    return {
        name: Mission.objects.create(user=user, title="Run", goal="Run a half-marathon", **fields)
        for name, fields in states.items()
    }


# How to get each operation's 2xx answer: the body it is sent, and which stored objects fill its
# path (by the path's first segment after the prefix, then by parameter name). Every operation in
# the schema that documents a 2xx must be here, so a new one fails the suite until it is checked.
REQUESTS = {
    "GET /api/v1/health": {},  # 503 without a Celery worker: same documented shape
    "GET /api/v1/health/live": {},
    "GET /api/v1/users/me": {},
    "PATCH /api/v1/users/me/preferences": {"body": {"settings": {"theme": "dark"}}},
    "GET /api/v1/users/me/export": {},
    "GET /api/v1/memories": {},
    "POST /api/v1/memories": {"body": {"content": "User lives in Porto", "metadata": {}}},
    "GET /api/v1/memories/{id}": {},
    "PATCH /api/v1/memories/{id}": {"body": {"importance": 0.9}},
    "DELETE /api/v1/memories/{id}": {},
    "GET /api/v1/memories/{id}/history": {},
    "POST /api/v1/memories/search": {"body": {"query": "hiking"}},
    "POST /api/v1/memories/context": {"body": {"messages": [{"role": "user", "content": "hike"}]}},
    "POST /api/v1/memories/ingest": {"body": {"messages": [{"role": "user", "content": "Hi"}]}},
    "GET /api/v1/ingestion-jobs/{job_id}": {},
    "GET /api/v1/memory-collections": {},
    "POST /api/v1/memory-collections": {"body": {"name": "Books"}},
    "GET /api/v1/memory-collections/{id}": {},
    "PATCH /api/v1/memory-collections/{id}": {"body": {"description": "Where I went"}},
    "DELETE /api/v1/memory-collections/{id}": {},
    "GET /api/v1/conversations": {},
    "POST /api/v1/conversations": {"body": {"title": "Plans"}},
    "GET /api/v1/conversations/{id}": {},
    "PATCH /api/v1/conversations/{id}": {"body": {"title": "Weekend plans"}},
    "DELETE /api/v1/conversations/{id}": {},
    "GET /api/v1/conversations/{conversation_id}/messages": {},
    "POST /api/v1/conversations/{conversation_id}/messages": {
        "body": {"content": "And you?"},
        "conversation": "quiet",
    },
    "GET /api/v1/conversations/{conversation_id}/messages/{message_id}": {},
    "POST /api/v1/conversations/{conversation_id}/messages/{message_id}/cancel": {},
    "POST /api/v1/conversations/{conversation_id}/messages/{message_id}/retry": {
        "message": "failed"
    },
    "POST /api/v1/webhooks/clerk": {"webhook": True},
    "GET /api/v1/missions": {},
    "POST /api/v1/missions": {"body": {"goal": "Plan my move to Bergen"}},
    "GET /api/v1/missions/{id}": {},
    "PATCH /api/v1/missions/{id}": {"body": {"title": "Porto half-marathon"}},
    "DELETE /api/v1/missions/{id}": {},
    "POST /api/v1/missions/{mission_id}/answer": {
        "body": {"question": QUESTION, "content": "In March"},
        "mission": "waiting",
    },
    "POST /api/v1/missions/{mission_id}/pause": {"mission": "pausable"},
    "POST /api/v1/missions/{mission_id}/resume": {"mission": "paused"},
    "POST /api/v1/missions/{mission_id}/cancel": {"mission": "cancellable"},
    "POST /api/v1/missions/{mission_id}/retry": {"mission": "failed_mission"},
}
OBJECT_FOR_ID = {"memories": "memory", "memory-collections": "collection",
                 "conversations": "conversation", "missions": "mission"}  # fmt: skip


def _answered_operations(schema):
    """(operation, its 2xx status), deletions last so that the others find their objects."""
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = sorted(code for code in operation["responses"] if code.startswith("2"))
            if codes:
                found.append((f"{method.upper()} {path}", int(codes[0])))
    return sorted(found, key=lambda item: item[0].startswith("DELETE"))


def _url(path, stored, recipe):
    section = path.removeprefix(API_PREFIX + "/").split("/")[0]
    message = stored[recipe.get("message", "pending")]
    ids = {"id": stored[OBJECT_FOR_ID.get(section, "memory")].id, "job_id": stored["job"].id,
           "conversation_id": message.conversation_id, "message_id": message.id}  # fmt: skip
    if "conversation" in recipe:
        ids["conversation_id"] = stored[recipe["conversation"]].id
    ids["mission_id"] = stored[recipe.get("mission", "mission")].id
    if "mission" in recipe:
        ids["id"] = ids["mission_id"]
    return path.format(**ids)


def _call(client, operation, url, recipe):
    method = operation.split()[0].lower()
    if recipe.get("webhook"):
        return deliver(client, clerk_event("user.created", clerk_user("user_2schemaWebhook")))
    return getattr(client, method)(url, recipe.get("body"), format="json")


def test_every_operation_with_a_2xx_answer_is_checked(schema):
    assert sorted(set(dict(_answered_operations(schema))) - set(REQUESTS)) == []


def test_every_2xx_answer_matches_its_schema(user_client, stored, schema, sent):
    mismatches = {}
    for operation, status in _answered_operations(schema):
        recipe = REQUESTS[operation]
        method, path = operation.split()
        response = _call(user_client, operation, _url(path, stored, recipe), recipe)
        answered = status
        if path == f"{API_PREFIX}/health" and response.status_code == 503:
            answered = 503
        assert response.status_code == answered, (operation, response.content)
        if status == 204:
            continue
        expected = answer_schema(schema, method, path, answered)
        if errors := schema_errors(response.json(), expected):
            mismatches[f"{operation} {answered}"] = errors
    assert mismatches == {}


def test_a_duplicate_memory_answer_matches_its_schema(user_client, stored, schema):
    response = user_client.post("/api/v1/memories", {"content": "User loves hiking"}, format="json")
    assert response.status_code == 409
    expected = answer_schema(schema, "post", "/api/v1/memories", 409)
    assert schema_errors(response.json(), expected) == []


def test_a_profile_not_yet_mirrored_matches_its_schema(client_for, schema):
    """First seen through a token: no email, username or image yet."""
    fresh = UserFactory(email="", username=None, first_name="", last_name="", image_url="")
    response = client_for(fresh).get("/api/v1/users/me")
    expected = answer_schema(schema, "get", "/api/v1/users/me", 200)
    assert schema_errors(response.json(), expected) == []


def test_a_renamed_key_is_a_mismatch(user_client, stored, schema):
    answer = user_client.get(f"/api/v1/memories/{stored['memory'].id}").json()
    answer["tiers"] = answer.pop("tier")
    errors = schema_errors(answer, answer_schema(schema, "get", "/api/v1/memories/{id}", 200))
    assert any("tier" in error for error in errors)


PUBLIC = ("/api/v1/health", "/api/v1/webhooks/")


def _expected_errors(method: str, path: str) -> set[str]:
    expected = {"400", "413", "415"} if method in {"post", "patch", "put"} else set()
    expected |= {"404"} if "{" in path else set()
    if not path.startswith(PUBLIC):
        expected |= {"401", "429"}
    return expected


def test_every_operation_documents_its_error_answers_in_the_error_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = _expected_errors(method, path)
            missing = expected - set(responses)
            assert not missing, f"{method.upper()} {path} documents no {sorted(missing)}"
            for code in expected:
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), f"{method.upper()} {path} {code}"


def test_input_constraints_are_in_the_schema(schema):
    components = schema["components"]["schemas"]
    assert components["MemoryInput"]["properties"]["content"]["minLength"] == 1
    messages = components["IngestInput"]["properties"]["messages"]
    assert (messages["minItems"], messages["maxItems"]) == (1, 50)
    page_size = {p["name"]: p for p in schema["paths"]["/api/v1/memories"]["get"]["parameters"]}
    assert (
        page_size["page_size"]["schema"]["minimum"],
        page_size["page_size"]["schema"]["maximum"],
    ) == (1, 200)
