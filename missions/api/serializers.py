"""Input serializers validate and hand `validated_data` to a service; output serializers render."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api.fields import StrictCharField
from core.api.serializers import RejectUnknownFieldsMixin

from ..models import (
    MAX_ANSWER_LENGTH,
    MAX_CLIENT_MISSION_ID_LENGTH,
    MAX_GOAL_LENGTH,
    MAX_TITLE_LENGTH,
    Mission,
    MissionStep,
)
from ..representations import mission_render


class MissionCreateInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    goal = StrictCharField(max_length=MAX_GOAL_LENGTH)
    title = StrictCharField(max_length=MAX_TITLE_LENGTH, allow_blank=True, required=False)
    client_mission_id = StrictCharField(max_length=MAX_CLIENT_MISSION_ID_LENGTH, required=False)


class MissionUpdateInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    title = StrictCharField(max_length=MAX_TITLE_LENGTH)


class MissionListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Mission.Status.choices, required=False)


class AnswerInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    question = serializers.UUIDField(help_text="The id of the question answered.")
    content = StrictCharField(max_length=MAX_ANSWER_LENGTH)


class QuestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()
    asked_at = serializers.DateTimeField()


class StepOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    index = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=MissionStep.Kind.choices)
    status = serializers.ChoiceField(choices=MissionStep.Status.choices)
    output = serializers.CharField()
    attempts = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class MissionOutputSerializer(serializers.Serializer):
    """Documents the shape; rendering is `mission_render`, shared with the live events."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    goal = serializers.CharField()
    status = serializers.ChoiceField(choices=Mission.Status.choices)
    question = QuestionSerializer(allow_null=True, help_text="The question it waits on.")
    wake_at = serializers.DateTimeField(allow_null=True, help_text="When its check-in is due.")
    collection = serializers.UUIDField(allow_null=True, help_text="Its memory collection.")
    summary = serializers.CharField()
    error = serializers.CharField()
    client_mission_id = serializers.CharField(allow_null=True)
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Mission) -> dict[str, Any]:
        return mission_render(instance)


class MissionDetailSerializer(MissionOutputSerializer):
    steps = StepOutputSerializer(many=True, help_text="In order.")
