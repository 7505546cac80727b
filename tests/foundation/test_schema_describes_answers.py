"""Every JSON answer matches the OpenAPI schema's description of it, key for key and type for
type: the output serializers document what the render functions produce, so the two agree."""

import pytest

from memories.models import IngestionJob
from memories.services import memory_collection_create, memory_create
from tests.support.factories import UserFactory
from tests.support.openapi import answer_schema, api_schema, schema_errors

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return api_schema()


@pytest.fixture
def stored(user):
    trips = memory_collection_create(user=user, name="Trips")
    memory = memory_create(user=user, content="User loves hiking", collection=trips)
    job = IngestionJob.objects.create(user=user, messages=[{"role": "user", "content": "Hi"}])
    return {"memory": memory, "collection": trips, "job": job}


# (method, path as in the schema, status, body); {id} and {job_id} are filled from `stored`.
CASES = [
    ("get", "/api/v1/users/me", 200, None),
    ("patch", "/api/v1/users/me/preferences", 200, {"settings": {"theme": "dark"}}),
    ("get", "/api/v1/memories", 200, None),
    ("post", "/api/v1/memories", 201, {"content": "User lives in Porto", "metadata": {}}),
    ("post", "/api/v1/memories", 409, {"content": "User loves hiking"}),
    ("get", "/api/v1/memories/{id}", 200, None),
    ("patch", "/api/v1/memories/{id}", 200, {"importance": 0.9}),
    ("get", "/api/v1/memories/{id}/history", 200, None),
    ("post", "/api/v1/memories/search", 200, {"query": "hiking"}),
    ("get", "/api/v1/ingestion-jobs/{job_id}", 200, None),
    ("get", "/api/v1/memory-collections", 200, None),
    ("get", "/api/v1/memory-collections/{collection}", 200, None),
]


def _answers(client, stored):
    ids = {"id": stored["memory"].id, "job_id": stored["job"].id}
    for method, path, status, body in CASES:
        url = path.format(**ids, collection=stored["collection"].id)
        schema_path = path.replace("{collection}", "{id}")
        response = getattr(client, method)(url, body, format="json")
        yield method, schema_path, status, response


def test_every_answer_matches_its_schema(user_client, stored, schema, sent):
    mismatches = {}
    for method, path, status, response in _answers(user_client, stored):
        assert response.status_code == status, (method, path, response.content)
        errors = schema_errors(response.json(), answer_schema(schema, method, path, status))
        if errors:
            mismatches[f"{method.upper()} {path} {status}"] = errors
    assert mismatches == {}


def test_a_profile_not_yet_mirrored_matches_its_schema(client_for, schema):
    """First seen through a token: no email, username or image yet."""
    fresh = UserFactory(email="", username=None, first_name="", last_name="", image_url="")
    response = client_for(fresh).get("/api/v1/users/me")
    expected = answer_schema(schema, "get", "/api/v1/users/me", 200)
    assert schema_errors(response.json(), expected) == []


def test_an_ingest_answer_matches_its_schema(user_client, schema, sent):
    response = user_client.post(
        "/api/v1/memories/ingest",
        {"messages": [{"role": "user", "content": "I live in Porto"}]},
        format="json",
    )
    assert response.status_code == 202
    expected = answer_schema(schema, "post", "/api/v1/memories/ingest", 202)
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
