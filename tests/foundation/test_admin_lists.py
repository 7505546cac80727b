"""The users list shows each user's memory and conversation counts in the list's own query, and a
capped count reads "10,000+"."""

import pytest
from django.urls import reverse

from conversations.services import conversation_create
from core import admin as core_admin
from memories.services import memory_create
from tests.support.factories import UserFactory
from tests.support.queries import get_counting_queries

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")
MEMORIES_URL = reverse("admin:memories_memory_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _users_with_data(count):
    users = [UserFactory() for _ in range(count)]
    for n, user in enumerate(users):
        for i in range(n + 1):
            memory_create(user=user, content=f"fact {i} of {user.pk}")
        conversation_create(user=user, title="hello")
    return users


def test_users_list_counts_memories_and_conversations_without_a_query_per_row(staff_client):
    _users_with_data(2)
    _, few = get_counting_queries(staff_client, USERS_URL)
    users = _users_with_data(8)
    response, many = get_counting_queries(staff_client, USERS_URL)
    assert many == few
    rows = {u.pk: u for u in response.context["cl"].result_list}
    busiest = users[-1]
    assert (rows[busiest.pk].memories_total, rows[busiest.pk].conversations_total) == (8, 1)
    html = response.content.decode()
    assert 'class="column-memories_total"' in html
    assert 'class="column-conversations_total"' in html


def test_a_capped_count_reads_ten_thousand_plus(staff_client, user, monkeypatch):
    monkeypatch.setattr(core_admin, "COUNT_LIMIT", 3)
    for i in range(5):
        memory_create(user=user, content=f"fact {i}", tier="core")
    html = staff_client.get(f"{MEMORIES_URL}?tier__exact=core").content.decode()
    assert "3+ memories" in html
    searched = staff_client.get(f"{MEMORIES_URL}?q=fact").content.decode()
    assert "3+ results" in searched


def test_the_memories_section_is_titled_memories(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert ">Memories<" in html
    assert "Memorys" not in html
