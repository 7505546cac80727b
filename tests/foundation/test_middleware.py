"""Sessions, Django's user and messages run for the admin, not for API requests."""

import pytest
from django.contrib import messages
from django.test import Client

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_api_request_carries_no_session_user_or_messages(client):
    response = client.get("/api/v1/health/live")
    assert response.status_code == 200
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "_messages")
    assert "sessionid" not in response.cookies


def test_the_admin_still_signs_in_with_a_session_and_shows_messages(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff.set_password("a long admin password")
    staff.save()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.username, "password": "a long admin password"},
    )
    assert response.status_code == 302
    assert "sessionid" in response.cookies
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200
    assert page.wsgi_request.user == staff
    messages.info(page.wsgi_request, "seen")  # the message storage is in place


def test_the_admin_login_still_checks_csrf():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
