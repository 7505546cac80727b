import pytest

from tests.support.processes import SPA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spa_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [SPA]


def test_the_spa_origin_may_call_the_api(client):
    response = client.options(
        "/api/v1/users/me",
        HTTP_ORIGIN=SPA,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert response.status_code == 200
    assert response["access-control-allow-origin"] == SPA
    assert "authorization" in response["access-control-allow-headers"]
    assert response["access-control-allow-credentials"] == "true"


def test_a_foreign_origin_gets_no_cors_headers(client):
    response = client.get("/api/v1/health/live", HTTP_ORIGIN="https://evil.example")
    assert "access-control-allow-origin" not in response
    allowed = client.get("/api/v1/health/live", HTTP_ORIGIN=SPA)
    assert allowed["access-control-allow-origin"] == SPA
