"""Ingestion: hand a conversation to the pipeline (202 with a job), then follow the job."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import StrictCharField
from core.api.serializers import RejectUnknownFieldsMixin
from memories.models import IngestionJob
from memories.representations import ingestion_job_render
from memories.selectors import ingestion_job_get
from memories.services import ingestion_job_create

MAX_MESSAGES = 50
MESSAGE_MAX_LENGTH = 8000
IDEMPOTENCY_KEY_MAX_LENGTH = 200
ROLES = ("user", "assistant", "system")


class MessageInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    role = serializers.ChoiceField(choices=ROLES)
    content = StrictCharField(
        max_length=MESSAGE_MAX_LENGTH, allow_blank=True, trim_whitespace=False
    )


class IngestInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    messages = MessageInputSerializer(many=True, min_length=1, max_length=MAX_MESSAGES)
    idempotency_key = StrictCharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH, required=False)


class IngestionJobOutputSerializer(serializers.Serializer):
    """Documents the shape; rendering is `ingestion_job_render`, shared with the live events."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=IngestionJob.Status.choices)
    idempotency_key = serializers.CharField(allow_null=True)
    result = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Once succeeded: added, updated, deleted and unchanged memories.",
    )
    error = serializers.CharField(help_text="Why the job failed; empty otherwise.")
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: IngestionJob) -> dict[str, Any]:
        return ingestion_job_render(instance)


class IngestView(APIView):
    """Queue a conversation for the ingestion pipeline."""

    @extend_schema(request=IngestInputSerializer, responses={202: IngestionJobOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = IngestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job, _ = ingestion_job_create(user=request.user, **serializer.validated_data)
        return Response(IngestionJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class IngestionJobView(APIView):
    """One of the caller's ingestion jobs: its status, result counts and error."""

    @extend_schema(responses=IngestionJobOutputSerializer)
    def get(self, request: Request, job_id: str) -> Response:
        job = ingestion_job_get(user=request.user, job_id=job_id)
        if job is None:
            raise exceptions.NotFound()
        return Response(IngestionJobOutputSerializer(job).data)
