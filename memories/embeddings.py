"""Text embeddings behind one interface, the provider chosen by `EMBEDDING_PROVIDER`.

`local` (the default) is WordLlama `l2_supercat` at 256 dimensions: static token embeddings,
mean-pooled, semantic ("what pets do I have?" finds "User has a dog named Bolt"), offline, with
its weights and tokenizer read from the files inside the `wordllama` wheel. Its vectors are
zero-padded to the 1536-dim column, which leaves cosine similarity exactly unchanged.
`hashing` is the earlier lexical embedder (signed feature hashing of words, word bigrams and
character n-grams), kept as the baseline bench/retrieval.py compares against. `openai` calls
`text-embedding-3-small` at the column's size.
"""

from __future__ import annotations

import itertools
import re
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import openai
from django.conf import settings

from core.clients import process_client

from .models import EMBEDDING_DIMENSIONS

if TYPE_CHECKING:
    from wordllama import WordLlamaInference

LOCAL_MODEL_NAME = "wordllama-l2_supercat-256"
HASHING_MODEL_NAME = "local-hashing-v1"
OPENAI_MODEL_NAME = "text-embedding-3-small"
OPENAI_BATCH_SIZE = 256
LOCAL_BATCH_SIZE = 64
MODEL_NAMES = {
    "local": LOCAL_MODEL_NAME,
    "hashing": HASHING_MODEL_NAME,
    "openai": OPENAI_MODEL_NAME,
}

_WORDLLAMA_CONFIG = "l2_supercat"
_WORDLLAMA_DIMENSIONS = 256

_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHAR_NGRAM_SIZES = (3, 4)
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.7
_CHAR_WEIGHT = 0.35


class EmbeddingError(Exception):
    """The provider refused the request; retrying the same input will not help."""


class EmbeddingUnavailable(EmbeddingError):
    """The provider could not be reached or timed out; a later retry may succeed."""


def embedding_model_name() -> str:
    """The name stored with each embedding, so vectors of different models are never mixed."""
    return MODEL_NAMES[_provider()]


def embed_texts(texts: Sequence[str]) -> list[np.ndarray]:
    """One L2-normalised float32 vector of EMBEDDING_DIMENSIONS per text, in order."""
    if not texts:
        return []
    provider = _provider()
    if provider == "openai":
        return _openai_embed(list(texts))
    if provider == "hashing":
        return [_hashing_embed(text) for text in texts]
    return _wordllama_embed(list(texts))


def embed_text(text: str) -> np.ndarray:
    return embed_texts([text])[0]


def _provider() -> str:
    provider = settings.EMBEDDING_PROVIDER
    if provider not in MODEL_NAMES:
        raise EmbeddingError(f"unknown EMBEDDING_PROVIDER {provider!r}")
    return provider


# --- local: WordLlama, from the files inside its wheel ----------------------------

_wordllama_lock = threading.Lock()
_wordllama_model: WordLlamaInference | None = None


def _wordllama() -> WordLlamaInference:
    """The model, loaded on first use, once per process even when threads race for it."""
    global _wordllama_model
    if _wordllama_model is None:
        with _wordllama_lock:
            if _wordllama_model is None:
                _wordllama_model = _wordllama_load()
    return _wordllama_model


def _wordllama_load() -> WordLlamaInference:
    # Imported here, not at the top: a process that never embeds locally (OpenAI, the hashing
    # baseline, a web process of tests that pass their own vectors) pays nothing for it.
    import wordllama

    # Its default load() looks for the tokenizer in a folder the wheel does not have, then
    # downloads it. The wheel's own folder laid out as the cache holds both files.
    model = wordllama.WordLlama.load(
        _WORDLLAMA_CONFIG,
        dim=_WORDLLAMA_DIMENSIONS,
        cache_dir=Path(wordllama.__file__).parent,
        disable_download=True,
    )
    # Half precision, as the search column stores it anyway: 16 MB less per process, and the
    # same rankings on bench/retrieval_set.json (pooling still sums in float32).
    model.embedding = model.embedding.astype(np.float16)
    return model


def _wordllama_embed(texts: list[str]) -> list[np.ndarray]:
    # A batch is padded to its longest text: embedding texts of like length together keeps
    # one long memory from inflating the whole batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    pooled = _wordllama().embed([texts[i] for i in order], batch_size=LOCAL_BATCH_SIZE)
    padded = np.zeros((len(texts), EMBEDDING_DIMENSIONS), dtype=np.float32)
    padded[order, :_WORDLLAMA_DIMENSIONS] = pooled
    return [_normalised(vector) for vector in padded]


# --- hashing: the earlier lexical embedder ----------------------------------------


def _features(text: str) -> list[tuple[str, float]]:
    words = _TOKEN.findall(text.lower())
    features = [(f"w:{word}", _WORD_WEIGHT) for word in words]
    features += [(f"b:{a} {b}", _BIGRAM_WEIGHT) for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        for size in _CHAR_NGRAM_SIZES:
            features += [
                (f"c:{padded[i : i + size]}", _CHAR_WEIGHT) for i in range(len(padded) - size + 1)
            ]
    return features or [("empty", 1.0)]


def _hashing_embed(text: str) -> np.ndarray:
    features = _features(text)
    hashes = np.fromiter(
        (zlib.crc32(name.encode()) for name, _ in features), dtype=np.uint64, count=len(features)
    )
    weights = np.fromiter((weight for _, weight in features), dtype=np.float32)
    # The bit above the bucket index gives the sign, so collisions cancel instead of pile up.
    signs = np.where((hashes // EMBEDDING_DIMENSIONS) % 2 == 0, 1.0, -1.0).astype(np.float32)
    vector = np.zeros(EMBEDDING_DIMENSIONS, dtype=np.float32)
    np.add.at(vector, (hashes % EMBEDDING_DIMENSIONS).astype(np.intp), weights * signs)
    return _normalised(vector)


# --- openai ---------------------------------------------------------------------


@process_client
def _openai_client(
    api_key: str, base_url: str | None, timeout: float, max_retries: int
) -> openai.OpenAI:
    # The client keeps a connection pool, so one per configuration lives for the process.
    return openai.OpenAI(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


def _openai_embed(texts: list[str]) -> list[np.ndarray]:
    if not settings.OPENAI_API_KEY:
        raise EmbeddingError("EMBEDDING_PROVIDER is openai but OPENAI_API_KEY is not set")
    client = _openai_client(
        settings.OPENAI_API_KEY,
        settings.OPENAI_BASE_URL,
        settings.EMBEDDING_TIMEOUT_SECONDS,
        settings.EMBEDDING_MAX_RETRIES,
    )
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), OPENAI_BATCH_SIZE):
        batch = texts[start : start + OPENAI_BATCH_SIZE]
        vectors += _openai_batch(client, batch)
    return vectors


def _openai_batch(client: openai.OpenAI, batch: list[str]) -> list[np.ndarray]:
    try:
        response = client.embeddings.create(
            model=OPENAI_MODEL_NAME, input=batch, dimensions=EMBEDDING_DIMENSIONS
        )
    except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
        raise EmbeddingUnavailable(f"OpenAI embeddings unavailable: {exc}") from exc
    except openai.OpenAIError as exc:
        raise EmbeddingError(f"OpenAI embeddings failed: {exc}") from exc
    rows = sorted(response.data, key=lambda row: row.index)
    if len(rows) != len(batch) or any(len(row.embedding) != EMBEDDING_DIMENSIONS for row in rows):
        raise EmbeddingError("OpenAI returned embeddings of the wrong count or size")
    return [_normalised(np.asarray(row.embedding, dtype=np.float32)) for row in rows]


def _normalised(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        # A text with no known token: one fixed unit vector rather than zeros (cosine undefined).
        vector = np.zeros_like(vector)
        vector[0], norm = 1.0, 1.0
    return vector / norm
