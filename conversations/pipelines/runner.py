"""Runs one reply to the end (called by its task); its lifecycle is in services.replies."""

from __future__ import annotations

import uuid

from memories.embeddings import EmbeddingError

from ..llm import LLMError, get_chat_model
from ..services import reply_fail, reply_start
from .graph import REPLY
from .state import ReplyContext, ReplyState


def reply_generate(*, message_id: uuid.UUID | str) -> ReplyState | None:
    """Claim the reply and run the graph; None when there is nothing to do (finished, gone,
    or another run is streaming it). A model or embedding failure fails the reply."""
    reply = reply_start(message_id=message_id)
    if reply is None:
        return None
    try:
        return REPLY.invoke({}, context=ReplyContext(reply=reply, model=get_chat_model()))
    except (LLMError, EmbeddingError) as exc:
        reply_fail(message_id=reply.pk, error=str(exc), run_id=reply.run_id)
        return None
