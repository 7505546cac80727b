import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.api.parsers import API_MAX_BODY_BYTES
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def _api_paths(patterns=None, prefix: str = "") -> list[str]:
    """Every API route, with placeholders filled with plausible values."""
    paths: list[str] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            paths += _api_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            route = re.sub(r"<(?:uuid:)?[^>]+>", "00000000-0000-0000-0000-000000000000", route)
            paths.append("/" + route.lstrip("^").rstrip("$").replace("\\Z", ""))
    return paths


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/health/live" in schema["paths"]


def test_docs_serve_their_assets_locally(api_client):
    response = api_client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "drf_spectacular_sidecar" in html
    assert not re.search(r"https?://(?!localhost|testserver)[^\"']*\.(?:js|css)", html)


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_no_api_route_ever_answers_with_a_redirect(api_client, method):
    paths = _api_paths()
    assert "/api/v1/health/live" in paths
    for path in paths:
        for variant in (path, path.rstrip("/") + "/"):
            status = getattr(api_client, method)(variant).status_code
            assert not 300 <= status < 400, f"{method.upper()} {variant} -> {status}"


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_an_unhandled_error_is_a_json_500_without_a_stack_trace(api_client, monkeypatch):
    from health import views

    def explode(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.LiveView, "get", explode)
    response = api_client.get("/api/v1/health/live")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    assert b"secret internals" not in response.content


def test_json_nested_too_deeply_is_a_400_not_a_500(client_for):
    body = '{"content": "x", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client_for(UserFactory()).post(
        "/api/v1/memories", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_over_the_api_limit_is_a_413(client_for):
    body = '{"content": "' + "x" * API_MAX_BODY_BYTES + '"}'
    response = client_for(UserFactory()).post(
        "/api/v1/memories", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
