import pytest

from tests.support.factories import UserFactory
from tests.support.webhooks import deleted_event, deliver

pytestmark = pytest.mark.django_db


def test_a_session_token_of_a_user_deleted_by_webhook_gets_a_401(api_client, client_for):
    user = UserFactory(clerk_user_id="user_gone")
    signed_in = client_for(user)
    assert signed_in.get("/api/v1/users/me").status_code == 200

    assert deliver(api_client, deleted_event("user_gone")).json()["status"] == "processed"

    response = signed_in.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
