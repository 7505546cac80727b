"""Nothing a request carries in confidence reaches the logs: not its token, cookies or query
string, not the webhook's secret or signature, not a memory's content nor a message's text,
even at DEBUG with the access log on, through the request, the reply and the ingestion job."""

import json
import time

import pytest

from conversations.pipelines.runner import reply_generate
from memories.models import IngestionJob
from memories.pipelines.runner import ingestion_job_process
from tests.support.webhooks import WEBHOOK_SECRET, clerk_event, clerk_user, signed_headers

pytestmark = pytest.mark.django_db(transaction=True)

MEMORY = "My locker code is 4417 and it is private-memory-text."
SEARCH = "what is my private-search-text"
MESSAGE = "I live in Porto and my diary says private-message-text."
QUERY_SECRET = "private-query-value"
COOKIE_SECRET = "private-cookie-value"


@pytest.fixture
def handed_over(monkeypatch) -> list[str]:
    """Replies and jobs stay in this process (they are run here, below)."""
    ids: list[str] = []
    record = lambda *, name, args: ids.append(args[0]) or True  # noqa: E731
    monkeypatch.setattr("memories.queue.task_send", record)
    monkeypatch.setattr("conversations.services.sending.task_send", record)
    return ids


def _requests(api_client, user, token: str) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    cookie = {"HTTP_COOKIE": f"__session={token}; sessionid={COOKIE_SECRET}"}
    api_client.get(f"/api/v1/users/me?api_key={QUERY_SECRET}", **auth)
    api_client.get("/api/v1/users/me", **cookie)
    api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {token}x")  # a bad token
    api_client.post("/api/v1/memories", {"content": MEMORY}, format="json", **auth)
    api_client.post("/api/v1/memories", {"content": MEMORY}, format="json", **auth)  # 409
    api_client.post("/api/v1/memories/search", {"query": SEARCH}, format="json", **auth)
    conversation = api_client.post("/api/v1/conversations", {}, format="json", **auth).json()
    messages = f"/api/v1/conversations/{conversation['id']}/messages"
    api_client.post(messages, {"content": MESSAGE}, format="json", **auth)


def _webhook(api_client) -> str:
    body = json.dumps(clerk_event("user.updated", clerk_user("user_logs_1")))
    headers = signed_headers(body)
    api_client.post("/api/v1/webhooks/clerk", body, content_type="application/json",
                    headers=headers)  # fmt: skip
    return headers["svix-signature"]


def test_no_token_cookie_query_secret_or_content_in_the_logs(
    api_client, user, make_token, settings, json_log, access_log, metrics_on, handed_over
):
    settings.CLERK_WEBHOOK_SECRET = WEBHOOK_SECRET
    token = make_token(sub=user.clerk_user_id, exp=int(time.time()) + 3600)
    _requests(api_client, user, token)
    signature = _webhook(api_client)
    for reply_id in list(handed_over):
        reply_generate(message_id=reply_id)
    for job_id in IngestionJob.objects.values_list("pk", flat=True):
        ingestion_job_process(job_id=job_id)
    lines = json_log()
    assert IngestionJob.objects.filter(status="succeeded").exists()
    access = [line for line in lines if line["logger"] == "companion.access"]
    assert len(access) == 9, "every request has its line"
    assert {line["status"] for line in access} >= {200, 201, 202, 401, 409}
    text = "\n".join(json.dumps(line) for line in lines)
    for secret in (token, COOKIE_SECRET, QUERY_SECRET, WEBHOOK_SECRET, signature,
                   WEBHOOK_SECRET.removeprefix("whsec_"), settings.SECRET_KEY, metrics_on,
                   "code is 4417", "private-memory-text", "private-search-text", "Porto",
                   "private-message-text"):  # fmt: skip
        assert secret not in text, secret
