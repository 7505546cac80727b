"""`manage.py reembed_memories`: batched, scoped by user, resumable after an interruption, and
never overwriting a memory whose content changed while it ran."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from memories.embeddings import HASHING_MODEL_NAME, LOCAL_MODEL_NAME, embed_text
from memories.models import Memory, MemoryVector
from memories.services import memory_create, memory_reembed, memory_update, reembedding

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_hashing(settings, user, other_user):
    """Five memories of `user` and two of `other_user` embedded by the hashing baseline."""
    settings.EMBEDDING_PROVIDER = "hashing"
    mine = [
        memory_create(user=user, content=f"My cousin number {i} lives in Oslo") for i in range(5)
    ]
    theirs = [memory_create(user=other_user, content=f"Has {i} old bikes") for i in range(2)]
    settings.EMBEDDING_PROVIDER = "local"
    return mine, theirs


def reembed(*args):
    out = StringIO()
    call_command("reembed_memories", *args, stdout=out)
    return out.getvalue()


def models():
    return dict(Memory.objects.values_list("content", "embedding_model"))


def test_every_memory_moves_to_the_current_model_and_search_follows(on_hashing):
    assert "Re-embedded 7 of 7 memories with wordllama-l2_supercat-256" in reembed()
    assert set(models().values()) == {LOCAL_MODEL_NAME}
    memory = Memory.objects.get(content="Has 1 old bikes")
    assert np.allclose(memory.embedding, embed_text("Has 1 old bikes"), atol=1e-6)
    stored = np.asarray(MemoryVector.objects.get(pk=memory.pk).embedding_half)
    assert np.allclose(stored, memory.embedding, atol=2e-3)


def test_one_user_only(on_hashing, user, other_user):
    assert "Re-embedded 5 of 5" in reembed("--user", user.clerk_user_id)
    assert set(Memory.objects.filter(user=user).values_list("embedding_model", flat=True)) == {
        LOCAL_MODEL_NAME
    }
    assert set(
        Memory.objects.filter(user=other_user).values_list("embedding_model", flat=True)
    ) == {HASHING_MODEL_NAME}


def test_an_unknown_user_or_batch_size_is_an_error(on_hashing):
    with pytest.raises(CommandError, match="No user"):
        reembed("--user", "user_nobody")
    with pytest.raises(CommandError, match="batch-size"):
        reembed("--batch-size", "0")


def test_an_interrupted_run_resumes_where_it_stopped(on_hashing, monkeypatch):
    embedded: list[str] = []
    real = reembedding.embed_texts

    def embed_then_die(texts):
        if embedded:  # the second batch: the process is killed
            raise KeyboardInterrupt
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(reembedding, "embed_texts", embed_then_die)
    with pytest.raises(KeyboardInterrupt):
        reembed("--model-changed-only", "--batch-size", "3")
    assert sorted(models().values()).count(LOCAL_MODEL_NAME) == 3

    embedded.clear()
    monkeypatch.setattr(
        reembedding, "embed_texts", lambda texts: embedded.extend(texts) or real(texts)
    )
    assert "Re-embedded 4 of 4" in reembed("--model-changed-only", "--batch-size", "3")
    assert len(embedded) == 4  # the three done before are not embedded again
    assert set(models().values()) == {LOCAL_MODEL_NAME}
    assert "Re-embedded 0 of 0" in reembed("--model-changed-only")


def test_a_memory_edited_meanwhile_keeps_the_embedding_of_its_new_content(user, settings):
    memory = memory_create(user=user, content="Plays the cello")
    read_before_the_edit = list(Memory.objects.filter(pk=memory.pk).only("content", "content_hash"))
    memory_update(memory=memory, actor="user", content="Plays the viola")
    assert memory_reembed(memories=read_before_the_edit) == 0
    memory.refresh_from_db()
    assert np.allclose(memory.embedding, embed_text("Plays the viola"), atol=1e-6)


def test_progress_lines_when_not_a_terminal(on_hashing, settings, capsys):
    settings.COMMAND_PROGRESS_SECONDS = 0
    reembed("--batch-size", "2")
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" (")[0] for line in lines[:4]] == [
        f"re-embed: {done}/7 memories" for done in (2, 4, 6, 7)
    ]
    assert lines[-1].startswith("re-embed: 7/7 memories (")
    assert lines[-1].endswith(", done")
