"""The embedding providers: the offline local model (WordLlama), the hashing baseline, and OpenAI
against a local fake server."""

import socket
import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from memories import embeddings
from memories.embeddings import (
    HASHING_MODEL_NAME,
    LOCAL_MODEL_NAME,
    OPENAI_MODEL_NAME,
    EmbeddingError,
    EmbeddingUnavailable,
    embed_text,
    embed_texts,
    embedding_model_name,
)
from memories.models import EMBEDDING_DIMENSIONS
from tests.support.fake_openai import FakeOpenAI, embeddings_answer


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


def test_local_embedder_is_semantic():
    dog, pets, taxes = embed_texts(
        ["User has a dog named Bolt", "what pets do I have?", "my tax return is due"]
    )
    assert _cosine(dog, pets) > _cosine(dog, taxes) + 0.1


def test_local_vectors_are_the_models_256_dimensions_zero_padded():
    vector = embed_text("User has a dog named Bolt")
    assert np.count_nonzero(vector[256:]) == 0
    assert np.count_nonzero(vector[:256]) > 200


def test_a_batch_embeds_each_text_as_alone_whatever_the_lengths():
    texts = ["short", "a much longer text about a dog named Bolt " * 30, "mid length text"]
    together = embed_texts(texts)
    for text, vector in zip(texts, together, strict=True):
        assert np.allclose(vector, embed_text(text), atol=1e-6)


@pytest.fixture
def fresh_model(monkeypatch, tmp_path):
    """No model loaded yet in this process, and a home whose cache holds nothing."""
    monkeypatch.setattr(embeddings, "_wordllama_model", None)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delitem(sys.modules, "wordllama", raising=False)


def test_the_local_model_loads_from_its_wheel_without_the_network(fresh_model, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    vector = embed_text("User has a dog named Bolt")
    assert attempts == []
    assert embeddings._wordllama_model is not None
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_the_local_model_loads_once_when_threads_race_for_it(fresh_model, monkeypatch):
    loads = []
    real_load = embeddings._wordllama_load

    def counted_load():
        loads.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every thread to arrive while it loads
        return real_load()

    monkeypatch.setattr(embeddings, "_wordllama_load", counted_load)
    start = threading.Barrier(8)
    models = []

    def first_use():
        start.wait()
        models.append(embeddings._wordllama())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(models) == 8
    assert all(model is models[0] for model in models)


def test_the_hashing_baseline_is_lexical_and_named(settings):
    settings.EMBEDDING_PROVIDER = "hashing"
    hiking, andes, pets = embed_texts(
        ["I love hiking in the mountains", "hiking trip in the mountains", "what pets do I have"]
    )
    assert _cosine(hiking, andes) > _cosine(hiking, pets) + 0.3
    assert embedding_model_name() == HASHING_MODEL_NAME


def test_an_unknown_provider_is_an_error(settings):
    settings.EMBEDDING_PROVIDER = "magic"
    with pytest.raises(EmbeddingError, match="magic"):
        embed_text("anything")


# --- OpenAI against a local OpenAI-compatible server ------------------------------


def _failing(statuses: list[int]):
    """Answer with each of `statuses` in turn, then like OpenAI."""

    def respond(request: dict) -> tuple[int, dict]:
        if statuses:
            return statuses.pop(0), {"error": {"message": "scripted", "type": "server_error"}}
        return embeddings_answer(request)

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
    with FakeOpenAI(embeddings_answer) as fake:
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
    with FakeOpenAI(embeddings_answer, delay=1.0) as fake:
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
