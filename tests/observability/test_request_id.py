"""The request id: taken from X-Request-ID when well formed, else made here, sent back, and on
every log line of the request with its user and route."""

import logging
import re

import pytest

from core.observability.context import bind, current_request_id, unbind
from core.observability.logs import RequestContextFilter, plain_formatter

pytestmark = pytest.mark.django_db

LIVE = "/api/v1/health/live"
ME = "/api/v1/users/me"


def test_no_access_line_unless_asked(api_client, json_log):
    api_client.get(LIVE)
    assert not [line for line in json_log() if line["logger"] == "companion.access"]


def test_a_well_formed_request_id_is_kept_and_sent_back(api_client):
    response = api_client.get(LIVE, HTTP_X_REQUEST_ID="edge-7f3a.2_B")
    assert response["X-Request-ID"] == "edge-7f3a.2_B"


@pytest.mark.parametrize(
    "given", ["", "a" * 65, "has space", "semi;colon", "é-accent", "line\nbreak", None]
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(api_client, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    first = api_client.get(LIVE, **headers)["X-Request-ID"]
    second = api_client.get(LIVE, **headers)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_the_id_is_not_left_behind_after_the_request(api_client):
    api_client.get(LIVE, HTTP_X_REQUEST_ID="gone-after")
    assert current_request_id() is None


def test_the_access_line_carries_the_id_the_user_and_the_route_never_the_query(
    client_for, user, json_log, access_log
):
    client_for(user).get(f"{ME}?code=private-value", HTTP_X_REQUEST_ID="trace-me-1")
    [access] = [line for line in json_log() if line["logger"] == "companion.access"]
    assert access["request_id"] == "trace-me-1"
    assert access["user_id"] == user.pk
    assert access["route"] == "accounts-api:me"
    assert (access["method"], access["status"], access["path"]) == ("GET", 200, ME)
    assert {"time", "level", "message", "duration_ms"} <= set(access)
    assert "private-value" not in str(access)


def test_lines_logged_inside_a_view_carry_the_request_context(client_for, user, json_log):
    # An unknown field is refused with a logged warning by Django's request logger (4xx).
    client_for(user).patch(
        "/api/v1/users/me/preferences?session=query-private",
        {"nope": 1},
        format="json",
        HTTP_X_REQUEST_ID="in-view",
    )
    lines = json_log()
    assert "query-private" not in str(lines)
    warnings = [line for line in lines if line["logger"] == "django.request"]
    assert warnings, "Django logs a 4xx answer as a warning"
    assert {(w["request_id"], w["route"], w["user_id"]) for w in warnings} == {
        ("in-view", "accounts-api:me-preferences", user.pk)
    }


def test_an_unauthenticated_request_has_no_user_and_an_unmatched_path_a_bounded_route(
    api_client, json_log, access_log
):
    api_client.get("/api/v1/no/such/thing/12345")
    [access] = [line for line in json_log() if line["logger"] == "companion.access"]
    assert access["route"] == "api-not-found"
    assert access["user_id"] is None


def test_plain_lines_show_the_id_or_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert "[-] hello" in plain_formatter().format(record)
    tokens = bind("abc-123")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        RequestContextFilter().filter(record)
    finally:
        unbind(tokens)
    assert "[abc-123] hello" in plain_formatter().format(record)
