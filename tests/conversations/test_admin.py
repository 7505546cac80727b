"""Staff read conversations with their messages; the list costs the same queries for any size."""

import pytest
from django.urls import reverse

from conversations.services import conversation_create, message_send
from tests.support.factories import UserFactory
from tests.support.queries import get_counting_queries

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:conversations_conversation_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _conversations(count, start=0):
    for i in range(start, start + count):
        conversation = conversation_create(user=UserFactory(), title=f"chat {i}")
        message_send(conversation=conversation, content=f"hello {i}")
    return conversation


def test_the_list_queries_do_not_grow_with_rows(staff_client):
    _conversations(2)
    _, few = get_counting_queries(staff_client, LIST_URL)
    _conversations(8, start=2)
    response, many = get_counting_queries(staff_client, LIST_URL)
    assert many == few
    assert b"chat 9" in response.content


def test_a_conversation_shows_its_messages_read_only(staff_client):
    conversation = _conversations(1)
    url = reverse("admin:conversations_conversation_change", args=[conversation.pk])
    response, _ = get_counting_queries(staff_client, url)
    assert b"hello 0" in response.content
    assert b'name="_save"' not in response.content
    assert staff_client.post(url, {"title": "changed"}).status_code == 403
    assert staff_client.get(reverse("admin:conversations_conversation_add")).status_code == 403
