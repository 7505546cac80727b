import pytest

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_carries_the_project_name_from_templates(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Companion admin" in response.content
