import pytest

from accounts.models import DeletedClerkUser, UserPreferences
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(clerk_user_id="", is_staff=True, is_superuser=True))
    return client


def test_staff_find_users_by_email_clerk_id_and_name(staff_client):
    alice = UserFactory(email="alice@example.com", first_name="Alice", last_name="Liddell")
    bob = UserFactory(email="bob@example.com", first_name="Bob", last_name="Builder")

    for query in ("alice@example.com", alice.clerk_user_id, "Liddell"):
        page = staff_client.get("/admin/accounts/user/", {"q": query}).content.decode()
        assert alice.email in page
        assert bob.email not in page


def test_staff_filter_clerk_users_from_local_accounts(staff_client):
    mirrored = UserFactory(email="mirrored@example.com")
    local = UserFactory(clerk_user_id="", username="localstaff", email="local@example.com")

    clerk_page = staff_client.get("/admin/accounts/user/", {"account": "clerk"}).content.decode()
    local_page = staff_client.get("/admin/accounts/user/", {"account": "local"}).content.decode()

    assert mirrored.email in clerk_page
    assert local.email not in clerk_page
    assert local.email in local_page
    assert mirrored.email not in local_page


def test_staff_edit_preferences_inline(staff_client):
    user = UserFactory(username=None)
    prefs = UserPreferences.objects.get(user=user)
    url = f"/admin/accounts/user/{user.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    assert "preferences-0-settings" in page.content.decode()

    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            "preferences-TOTAL_FORMS": "1",
            "preferences-INITIAL_FORMS": "1",
            "preferences-0-id": str(prefs.pk),
            "preferences-0-user": str(user.pk),
            "preferences-0-settings": '{"theme": "dark"}',
            "preferences-0-onboarding": "{}",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    prefs.refresh_from_db()
    assert prefs.settings == {"theme": "dark"}
    user.refresh_from_db()
    assert user.username is None


def test_staff_can_add_a_local_user_which_gets_preferences(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {"username": "ops", "password1": "a-Long-passw0rd!", "password2": "a-Long-passw0rd!",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302
    assert UserPreferences.objects.filter(user__username="ops").count() == 1


def test_tombstones_are_visible_but_read_only(staff_client):
    tombstone = DeletedClerkUser.objects.create(clerk_user_id="user_2gone")
    listing = staff_client.get("/admin/accounts/deletedclerkuser/", {"q": "user_2gone"})
    assert listing.status_code == 200
    assert "user_2gone" in listing.content.decode()
    assert staff_client.get("/admin/accounts/deletedclerkuser/add/").status_code == 403
    url = f"/admin/accounts/deletedclerkuser/{tombstone.pk}/delete/"
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert DeletedClerkUser.objects.filter(pk=tombstone.pk).exists()


def test_non_staff_cannot_enter_the_admin(client):
    user = UserFactory(is_staff=False)
    user.set_password("a-Long-passw0rd!")
    user.save()

    login = client.post(
        "/admin/login/", {"username": user.username, "password": "a-Long-passw0rd!"}
    )
    client.force_login(user)
    response = client.get("/admin/accounts/user/")

    assert login.status_code == 200
    assert "staff account" in login.content.decode()
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")
