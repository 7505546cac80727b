"""The negotiation shortcut picks what DRF's own negotiation picks."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.negotiation import JSONFirstNegotiation
from core.api.renderers import JSONRenderer

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "path"),
    [
        (None, "/x"),
        ("*/*", "/x"),
        ("application/json", "/x"),
        ("application/json; indent=4", "/x"),
        ("text/html", "/x"),
        ("text/html,application/json;q=0.9", "/x"),
        ("*/*", "/x?format=api"),
        ("*/*", "/x?format=json"),
    ],
)
def test_the_shortcut_agrees_with_drf(accept, path):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = APIRequestFactory().get(path, **headers)
    drf_request = Request(request)
    ours = JSONFirstNegotiation().select_renderer(drf_request, RENDERERS)
    theirs = DefaultContentNegotiation().select_renderer(drf_request, RENDERERS)
    assert (type(ours[0]), ours[1]) == (type(theirs[0]), theirs[1])


def test_an_api_request_for_html_only_is_still_a_406(client):
    response = client.get("/api/v1/health/live", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
