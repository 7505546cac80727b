"""The conversations API: CRUD, messages oldest first with a cursor, idempotent sends, 409s,
cancel and retry, and another user's conversations invisible."""

import pytest

from conversations.models import Conversation, Message
from conversations.services import message_send, reply_fail
from tests.support.chat import messages_url, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations"


def test_create_list_rename_and_delete_a_conversation(user_client, user):
    created = user_client.post(URL, {"title": "  Trip to Porto "}, format="json")
    assert created.status_code == 201
    conversation = created.json()
    assert conversation["title"] == "Trip to Porto"
    listed = user_client.get(URL).json()
    assert [c["id"] for c in listed["results"]] == [conversation["id"]]

    renamed = user_client.patch(f"{URL}/{conversation['id']}", {"title": "Porto"}, format="json")
    assert renamed.json()["title"] == "Porto"
    assert user_client.get(f"{URL}/{conversation['id']}").json()["title"] == "Porto"

    send(user_client, conversation["id"], "Hello there")
    assert user_client.delete(f"{URL}/{conversation['id']}").status_code == 204
    assert not Conversation.objects.filter(user=user).exists()
    assert not Message.objects.filter(user=user).exists()


def test_bad_input_is_a_json_400_naming_the_field(user_client, conversation):
    for payload, field in (({"title": 3}, "title"), ({"colour": "red"}, "colour")):
        bad = user_client.post(URL, payload, format="json")
        assert bad.status_code == 400
        assert list(bad.json()["errors"]) == [field]
    for payload in ({}, {"content": "   "}, {"content": 12}, {"content": "x" * 8001},
                    {"content": "hi", "client_message_id": ""}):  # fmt: skip
        response = user_client.post(messages_url(conversation), payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["detail"] == "Invalid input."
    assert not Message.objects.exists()


def test_sending_stores_the_message_and_a_pending_reply(user_client, conversation):
    sent = send(user_client, conversation, "I moved to Porto with my dog Bolt")
    message, reply = sent["message"], sent["reply"]
    assert (message["role"], message["status"], message["content"]) == (
        "user", "completed", "I moved to Porto with my dog Bolt")  # fmt: skip
    assert (reply["role"], reply["status"], reply["reply_to"]) == (
        "assistant",
        "pending",
        message["id"],
    )
    assert reply["conversation"] == message["conversation"] == str(conversation.pk)


def test_an_untitled_conversation_is_named_after_its_first_message(user_client, user):
    conversation = user_client.post(URL, {}, format="json").json()
    send(user_client, conversation["id"], "Plans   for the weekend?")
    assert (
        user_client.get(f"{URL}/{conversation['id']}").json()["title"] == "Plans for the weekend?"
    )


def test_the_same_client_message_id_gives_back_the_same_pair(user_client, conversation):
    first = send(user_client, conversation, "Hi!", client_message_id="c-1")
    again = send(user_client, conversation, "Hi!", client_message_id="c-1")
    assert again == first
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_a_message_while_the_companion_replies_is_a_409(user_client, conversation):
    send(user_client, conversation, "First")
    response = user_client.post(messages_url(conversation), {"content": "Second"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "The companion is still replying in this conversation.",
        "code": "reply_in_progress",
    }
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_messages_come_oldest_first_with_a_cursor(user_client, conversation):
    for i in range(3):
        _, reply, _ = message_send(conversation=conversation, content=f"message {i}")
        reply_fail(message_id=reply.pk, error="test")
    page = user_client.get(messages_url(conversation), {"page_size": 4}).json()
    assert [m["content"] for m in page["results"]] == ["message 0", "", "message 1", ""]
    rest = user_client.get(page["next"]).json()
    assert [m["content"] for m in rest["results"]] == ["message 2", ""]
    assert rest["next"] is None
    bad = user_client.get(messages_url(conversation), {"cursor": "nonsense"})
    assert bad.status_code == 400


def test_cancel_then_retry_a_reply(user_client, conversation):
    reply = send(user_client, conversation, "Tell me a story")["reply"]
    url = f"{messages_url(conversation)}/{reply['id']}"
    cancelled = user_client.post(f"{url}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert user_client.post(f"{url}/cancel").json()["status"] == "cancelled"

    retried = user_client.post(f"{url}/retry")
    assert (retried.status_code, retried.json()["status"]) == (202, "pending")
    again = user_client.post(f"{url}/retry")
    assert (again.status_code, again.json()["code"]) == (409, "reply_not_retryable")
    assert user_client.get(url).json()["status"] == "pending"


def test_only_replies_are_cancelled_and_a_finished_one_is_not(user_client, conversation):
    sent = send(user_client, conversation, "Hello")
    url = messages_url(conversation)
    user_message = user_client.post(f"{url}/{sent['message']['id']}/cancel")
    assert (user_message.status_code, user_message.json()["code"]) == (409, "not_a_reply")
    reply_fail(message_id=sent["reply"]["id"], error="model away")
    finished = user_client.post(f"{url}/{sent['reply']['id']}/cancel")
    assert (finished.status_code, finished.json()["code"]) == (409, "reply_finished")


def test_retry_waits_for_the_reply_in_progress(user_client, conversation):
    first = send(user_client, conversation, "One")["reply"]
    reply_fail(message_id=first["id"], error="model away")
    send(user_client, conversation, "Two")
    response = user_client.post(f"{messages_url(conversation)}/{first['id']}/retry")
    assert (response.status_code, response.json()["code"]) == (409, "reply_in_progress")


def test_another_users_conversation_and_messages_are_404(
    user_client, other_client, conversation, other_user
):
    sent = send(user_client, conversation, "My secret")
    base = f"{URL}/{conversation.pk}"
    message = f"{messages_url(conversation)}/{sent['reply']['id']}"
    assert other_client.get(URL).json()["results"] == []
    assert other_client.get(base).status_code == 404
    assert other_client.patch(base, {"title": "mine"}, format="json").status_code == 404
    assert other_client.delete(base).status_code == 404
    assert other_client.get(messages_url(conversation)).status_code == 404
    assert (
        other_client.post(messages_url(conversation), {"content": "x"}, format="json").status_code
        == 404
    )
    assert other_client.get(message).status_code == 404
    assert other_client.post(f"{message}/cancel").status_code == 404
    assert other_client.post(f"{message}/retry").status_code == 404
    assert other_client.get(f"{URL}/not-a-uuid").status_code == 404
    assert Message.objects.filter(conversation=conversation).count() == 2
    assert Conversation.objects.get(pk=conversation.pk).title == "Weekend plans"


def test_a_message_of_another_conversation_is_404_in_this_one(user_client, user, conversation):
    other = user_client.post(URL, {"title": "Other"}, format="json").json()
    reply = send(user_client, conversation, "Hi")["reply"]
    assert user_client.get(f"{messages_url(other['id'])}/{reply['id']}").status_code == 404


def test_no_trailing_slashes_and_sign_in_required(api_client, user_client):
    assert user_client.get(f"{URL}/").status_code == 404
    assert api_client.get(URL).status_code == 401
