"""Text embeddings behind one interface, the provider chosen by `EMBEDDING_PROVIDER`.

`local` (the default) is offline and deterministic: signed feature hashing of word unigrams,
word bigrams and character n-grams. It is lexical, not semantic: texts that share words or word
fragments are close; synonyms are not. `openai` calls `text-embedding-3-small` at the same size.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import openai
from django.conf import settings

from .models import EMBEDDING_DIMENSIONS

LOCAL_MODEL_NAME = "local-hashing-v1"
OPENAI_MODEL_NAME = "text-embedding-3-small"
OPENAI_BATCH_SIZE = 256

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
    return OPENAI_MODEL_NAME if _provider() == "openai" else LOCAL_MODEL_NAME


def embed_texts(texts: Sequence[str]) -> list[np.ndarray]:
    """One L2-normalised float32 vector of EMBEDDING_DIMENSIONS per text, in order."""
    if not texts:
        return []
    if _provider() == "openai":
        return _openai_embed(list(texts))
    return [_local_embed(text) for text in texts]


def embed_text(text: str) -> np.ndarray:
    return embed_texts([text])[0]


def _provider() -> str:
    provider = settings.EMBEDDING_PROVIDER
    if provider not in ("local", "openai"):
        raise EmbeddingError(f"unknown EMBEDDING_PROVIDER {provider!r}")
    return provider


# --- local: feature hashing -----------------------------------------------------


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


def _local_embed(text: str) -> np.ndarray:
    features = _features(text)
    hashes = np.fromiter(
        (zlib.crc32(name.encode()) for name, _ in features), dtype=np.uint64, count=len(features)
    )
    weights = np.fromiter((weight for _, weight in features), dtype=np.float32)
    # The bit above the bucket index gives the sign, so collisions cancel instead of pile up.
    signs = np.where((hashes // EMBEDDING_DIMENSIONS) % 2 == 0, 1.0, -1.0).astype(np.float32)
    vector = np.zeros(EMBEDDING_DIMENSIONS, dtype=np.float32)
    np.add.at(vector, (hashes % EMBEDDING_DIMENSIONS).astype(np.intp), weights * signs)
    norm = float(np.linalg.norm(vector))
    if norm == 0.0:
        vector[0], norm = 1.0, 1.0
    return vector / norm


# --- openai ---------------------------------------------------------------------


@lru_cache(maxsize=4)
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
    return vector / norm if norm else vector
