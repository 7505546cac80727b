"""The memories domain's exceptions and the API error each becomes, for every memories view."""

from rest_framework import exceptions, status

from core.api.errors import Conflict, DomainErrors
from memories.embeddings import EmbeddingError, EmbeddingUnavailable
from memories.services import MemoryCollectionNameTaken, MemoryDuplicate, MemoryInvalid


class EmbeddingServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The embedding service is unavailable; try again shortly."
    default_code = "embedding_unavailable"


class EmbeddingServiceFailed(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "The embedding service refused the request."
    default_code = "embedding_failed"


def _duplicate(exc: MemoryDuplicate) -> Conflict:
    return Conflict(
        "You already have this memory.", "duplicate_memory", existing_id=str(exc.existing_id)
    )


MEMORY_ERRORS: DomainErrors = {
    MemoryDuplicate: _duplicate,
    MemoryInvalid: lambda exc: exceptions.ValidationError({exc.field: [exc.message]}),
    MemoryCollectionNameTaken: lambda exc: Conflict(
        "You already have a collection of that name.", "duplicate_collection"
    ),
    EmbeddingUnavailable: lambda exc: EmbeddingServiceUnavailable(),
    EmbeddingError: lambda exc: EmbeddingServiceFailed(),
}
