"""The embedding providers: the offline local one, and OpenAI against a local fake server."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def test_local_embedder_is_well_under_a_millisecond_per_short_text():
    texts = [f"my sister Anna moved to Lisbon in {year}" for year in range(1000)]
    started = time.perf_counter()
    embed_texts(texts)
    assert (time.perf_counter() - started) / len(texts) < 0.0005


def test_no_texts_means_no_call():
    assert embed_texts([]) == []


# --- OpenAI against a local OpenAI-compatible server ------------------------------


class FakeOpenAI(BaseHTTPRequestHandler):
    """Answers POST /v1/embeddings like OpenAI; `script` holds a status per upcoming call."""

    requests: list[dict] = []
    script: list[int] = []
    delay = 0.0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers["Authorization"], **body}
        )
        time.sleep(self.delay)
        status = self.script.pop(0) if self.script else 200
        if status != 200:
            self._reply(status, {"error": {"message": "scripted failure", "type": "server_error"}})
            return
        data = [
            {"object": "embedding", "index": i, "embedding": self._vector(text)}
            for i, text in enumerate(body["input"])
        ]
        data.reverse()  # the API does not promise order; the client must sort by index
        self._reply(200, {"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip

    @staticmethod
    def _vector(text: str) -> list[float]:
        vector = [0.0] * EMBEDDING_DIMENSIONS
        vector[len(text) % len(vector)] = 2.0
        return vector

    def _reply(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_openai(settings) -> Iterator[type[FakeOpenAI]]:
    FakeOpenAI.requests, FakeOpenAI.script, FakeOpenAI.delay = [], [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMBEDDING_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.EMBEDDING_MAX_RETRIES = 0
    settings.EMBEDDING_TIMEOUT_SECONDS = 5.0
    yield FakeOpenAI
    server.shutdown()
    server.server_close()


def test_openai_provider_sends_the_model_and_dimensions_and_keeps_order(fake_openai):
    texts = ["a", "bb", "ccc"]
    vectors = embed_texts(texts)
    (request,) = fake_openai.requests
    assert request["path"] == "/v1/embeddings"
    assert request["auth"] == "Bearer sk-test"
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


def test_openai_provider_retries_a_server_error(fake_openai, settings):
    settings.EMBEDDING_MAX_RETRIES = 1
    fake_openai.script = [500]
    assert len(embed_texts(["retry me"])) == 1
    assert len(fake_openai.requests) == 2


def test_openai_outage_is_a_transient_error(fake_openai):
    fake_openai.script = [503]
    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["x"])


def test_openai_timeout_is_a_transient_error(fake_openai, settings):
    settings.EMBEDDING_TIMEOUT_SECONDS = 0.2
    fake_openai.delay = 1.0
    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["slow"])


def test_openai_rejection_is_a_permanent_error(fake_openai):
    fake_openai.script = [400]
    with pytest.raises(EmbeddingError) as caught:
        embed_texts(["bad"])
    assert not isinstance(caught.value, EmbeddingUnavailable)


def test_openai_unreachable_is_a_transient_error(settings):
    settings.EMBEDDING_PROVIDER = "openai"
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.EMBEDDING_MAX_RETRIES = 0
    with pytest.raises(EmbeddingUnavailable):
        embed_texts(["nobody home"])
