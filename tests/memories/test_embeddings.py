"""The embedding providers: the offline local one, and OpenAI against a local fake server."""

from collections.abc import Iterator

import numpy as np
import pytest

from memories.embeddings import (
    LOCAL_MODEL_NAME,
    OPENAI_MODEL_NAME,
    EmbeddingError,
    EmbeddingUnavailable,
    embed_text,
    embed_texts,
    embedding_model_name,
)
from memories.models import EMBEDDING_DIMENSIONS
from tests.support.fake_openai import FakeOpenAI


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_local_embedder_ranks_related_text_closer_than_unrelated_text():
    hiking, andes, taxes = embed_texts(
        [
            "I love hiking in the mountains",
            "hiking trip in the Andes mountains",
            "my tax return is due",
        ]
    )
    assert _cosine(hiking, andes) > _cosine(hiking, taxes) + 0.3


def test_local_embedder_is_deterministic_normalised_and_full_size():
    first = embed_text("Coffee, black, no sugar!")
    again = embed_text("Coffee, black, no sugar!")
    assert first.shape == (EMBEDDING_DIMENSIONS,)
    assert np.array_equal(first, again)
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    assert embedding_model_name() == LOCAL_MODEL_NAME


def test_local_embedder_handles_text_without_words():
    vector = embed_text("   ")
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert not np.array_equal(embed_text("?!"), vector)


def test_no_texts_means_no_call():
    assert embed_texts([]) == []


# --- OpenAI against a local OpenAI-compatible server ------------------------------


def _embeddings(request: dict) -> tuple[int, dict]:
    """Like OpenAI: one vector per input (peaking at len(text)), not in input order."""
    data = []
    for index, text in enumerate(request["input"]):
        vector = [0.0] * EMBEDDING_DIMENSIONS
        vector[len(text) % EMBEDDING_DIMENSIONS] = 2.0
        data.append({"object": "embedding", "index": index, "embedding": vector})
    data.reverse()
    usage = {"prompt_tokens": 1, "total_tokens": 1}
    return 200, {"object": "list", "data": data, "model": request["model"], "usage": usage}


def _failing(statuses: list[int]):
    """Answer with each of `statuses` in turn, then like OpenAI."""

    def respond(request: dict) -> tuple[int, dict]:
        if statuses:
            return statuses.pop(0), {"error": {"message": "scripted", "type": "server_error"}}
        return _embeddings(request)

    return respond


@pytest.fixture
def openai_settings(settings):
    settings.EMBEDDING_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.EMBEDDING_MAX_RETRIES = 0
    settings.EMBEDDING_TIMEOUT_SECONDS = 5.0
    return settings


@pytest.fixture
def fake_openai(openai_settings) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(_embeddings) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        yield fake


def test_openai_provider_sends_the_model_and_dimensions_and_keeps_order(fake_openai):
    texts = ["a", "bb", "ccc"]
    vectors = embed_texts(texts)
    (request,) = fake_openai.requests
    assert request["model"] == OPENAI_MODEL_NAME
    assert request["dimensions"] == EMBEDDING_DIMENSIONS
    assert request["input"] == texts
    assert [int(np.argmax(v)) for v in vectors] == [1, 2, 3]
    assert all(np.linalg.norm(v) == pytest.approx(1.0) for v in vectors)
    assert embedding_model_name() == OPENAI_MODEL_NAME


def test_openai_provider_batches_large_inputs(fake_openai):
    vectors = embed_texts([f"text {i}" for i in range(300)])
    assert [len(r["input"]) for r in fake_openai.requests] == [256, 44]
    assert len(vectors) == 300


def test_openai_provider_retries_a_server_error(openai_settings):
    openai_settings.EMBEDDING_MAX_RETRIES = 1
    with FakeOpenAI(_failing([500])) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        assert len(embed_texts(["retry me"])) == 1
    assert len(fake.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_openai_outage_is_a_transient_error(openai_settings, status):
    with FakeOpenAI(_failing([status])) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        with pytest.raises(EmbeddingUnavailable):
            embed_texts(["x"])


def test_openai_timeout_is_a_transient_error(openai_settings):
    openai_settings.EMBEDDING_TIMEOUT_SECONDS = 0.2
    with FakeOpenAI(_embeddings, delay=1.0) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        with pytest.raises(EmbeddingUnavailable):
            embed_texts(["slow"])


def test_openai_rejection_is_a_permanent_error(openai_settings):
    with FakeOpenAI(_failing([400])) as fake:
        openai_settings.OPENAI_BASE_URL = fake.base_url
        with pytest.raises(EmbeddingError) as caught:
            embed_texts(["bad"])
    assert not isinstance(caught.value, EmbeddingUnavailable)


def test_openai_unreachable_is_a_transient_error(openai_settings):
    openai_settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["nobody home"])


def test_openai_without_a_key_is_refused(openai_settings):
    openai_settings.OPENAI_API_KEY = ""
    with pytest.raises(EmbeddingError, match="OPENAI_API_KEY"):
        embed_texts(["x"])
