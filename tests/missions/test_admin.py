"""Staff read missions with their steps, filter them by status, and cancel unfinished ones;
nothing else in the admin changes a mission, and staff who may only view cannot cancel."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from missions.models import Mission, MissionStep
from tests.missions.conftest import GOAL
from tests.support.factories import UserFactory
from tests.support.queries import get_counting_queries

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:missions_mission_changelist")
STEPS = [("agent", "Recall what I know", "done", "I remember: User runs 30 km a week"),
         ("ask", "What matters most to you?", "running", ""),
         ("check_in", "Check in on how it is going", "pending", "")]  # fmt: skip


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _mission(status: str = "waiting", title: str = "Porto half-marathon") -> Mission:
    mission = Mission.objects.create(user=UserFactory(), title=title, goal=GOAL, status=status)
    for index, (kind, step_title, step_status, output) in enumerate(STEPS):
        MissionStep.objects.create(mission=mission, index=index, kind=kind, title=step_title,
                                   status=step_status, output=output)  # fmt: skip
    return mission


def _cancel(client, missions: list[Mission]):
    selected = [str(mission.pk) for mission in missions]
    return client.post(LIST_URL, {"action": "cancel_missions", "_selected_action": selected},
                       follow=True)  # fmt: skip


def test_a_mission_shows_its_steps_in_order_read_only(staff_client):
    mission = _mission()
    url = reverse("admin:missions_mission_change", args=[mission.pk])
    html = staff_client.get(url).content.decode()
    positions = [html.index(title) for _, title, _, _ in STEPS]
    assert positions == sorted(positions)
    assert "I remember: User runs 30 km a week" in html
    assert GOAL in html
    assert 'name="_save"' not in html
    assert 'name="goal"' not in html
    assert staff_client.post(url, {"title": "changed"}).status_code == 403
    assert staff_client.get(reverse("admin:missions_mission_add")).status_code == 403
    delete = reverse("admin:missions_mission_delete", args=[mission.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert Mission.objects.get(pk=mission.pk).title == "Porto half-marathon"


def test_the_list_filters_by_status_and_its_queries_do_not_grow(staff_client):
    waiting = _mission("waiting", "Porto half-marathon")
    _mission("completed", "Move to Bergen")
    listed = staff_client.get(LIST_URL, {"status__exact": "waiting"}).context["cl"].result_list
    assert [mission.pk for mission in listed] == [waiting.pk]
    _, few = get_counting_queries(staff_client, LIST_URL)
    for i in range(8):
        _mission("running", f"Learn the piano {i}")
    response, many = get_counting_queries(staff_client, LIST_URL)
    assert many == few
    assert b"Learn the piano 7" in response.content


def test_cancel_stops_unfinished_missions_and_leaves_finished_ones(staff_client, mission_sent):
    waiting, scheduled, done = _mission("waiting"), _mission("scheduled"), _mission("completed")
    response = _cancel(staff_client, [waiting, scheduled, done])
    assert "2 mission(s) cancelled." in response.content.decode()
    statuses = dict(Mission.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "cancelled", scheduled.pk: "cancelled", done.pk: "completed"}
    # The step a run was in fails with it; the others stay as they were.
    assert list(MissionStep.objects.filter(mission=waiting).values_list("status", flat=True)) \
        == ["done", "failed", "pending"]  # fmt: skip
    assert Mission.objects.get(pk=waiting.pk).finished_at is not None


def test_staff_who_may_only_view_missions_cannot_cancel_them(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_mission"))
    client.force_login(viewer)
    waiting = _mission("waiting")
    assert client.get(LIST_URL).status_code == 200
    _cancel(client, [waiting])
    assert Mission.objects.get(pk=waiting.pk).status == "waiting"
