"""Thin views: validate, call a selector or a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import Conflict, DomainErrors, DomainErrorsMixin
from core.api.schema import ConflictSerializer
from core.api.views import OwnedViewSet, StrictCursorPagination, validated

from .. import services
from ..models import Mission
from ..representations import mission_detail_render
from ..selectors import mission_get, mission_list, step_list
from .serializers import (
    AnswerInputSerializer,
    MissionCreateInputSerializer,
    MissionDetailSerializer,
    MissionListQuerySerializer,
    MissionOutputSerializer,
    MissionUpdateInputSerializer,
)

MISSION_ERRORS: DomainErrors = {
    services.TooManyMissions: lambda exc: Conflict(
        "Too many unfinished missions; finish or cancel one first.", "too_many_missions"
    ),
    services.MissionNotWaiting: lambda exc: Conflict(
        "The mission is not waiting for an answer.", "not_waiting"
    ),
    services.StaleQuestion: lambda exc: Conflict(
        "That is not the question the mission waits on.", "stale_question"
    ),
    services.MissionFinished: lambda exc: Conflict(
        "The mission has already finished.", "mission_finished"
    ),
    services.MissionAlreadyPaused: lambda exc: Conflict(
        "The mission is already paused.", "already_paused"
    ),
    services.MissionNotPaused: lambda exc: Conflict("The mission is not paused.", "not_paused"),
    services.MissionAlreadyCancelled: lambda exc: Conflict(
        "The mission is already cancelled.", "already_cancelled"
    ),
    services.MissionNotRetryable: lambda exc: Conflict(
        "Only a failed or cancelled mission can be retried.", "not_retryable"
    ),
}
CONFLICT = {409: ConflictSerializer}


class MissionCursorPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")


def _own_mission(request: Request, mission_id: str) -> Mission:
    mission = mission_get(user=request.user, mission_id=mission_id)
    if mission is None:
        raise exceptions.NotFound()
    return mission


def _detail(mission: Mission) -> dict[str, Any]:
    return mission_detail_render(mission, step_list(mission=mission))


class MissionViewSet(OwnedViewSet):
    """The caller's missions: list (newest first, by status), start one, read it with its
    steps, rename, delete (a running one stops)."""

    serializer_class = MissionOutputSerializer
    domain_errors = MISSION_ERRORS
    pagination_class = MissionCursorPagination

    def get_queryset(self) -> Any:
        query = validated(MissionListQuerySerializer, self.request.query_params)
        return mission_list(user=self.request.user, status=query.get("status"))

    def get_object(self) -> Mission:
        return _own_mission(self.request, self.kwargs["pk"])

    @extend_schema(parameters=[OpenApiParameter("status", enum=Mission.Status.values)])
    def list(self, request: Request) -> Response:
        return super().list(request)

    @extend_schema(
        request=MissionCreateInputSerializer,
        responses={202: MissionOutputSerializer, **CONFLICT},
        description="Starts the mission (`planning`); its progress comes on /ws/events as "
        "mission.updated, mission.step and mission.question. The same client_mission_id again "
        "gives back the same mission.",
    )
    def create(self, request: Request) -> Response:
        data = validated(MissionCreateInputSerializer, request.data)
        mission, _ = services.mission_create(user=request.user, **data)
        return Response(self.get_serializer(mission).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=MissionDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_detail(self.get_object()))

    @extend_schema(request=MissionUpdateInputSerializer, responses=MissionDetailSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        mission = self.get_object()
        data = validated(MissionUpdateInputSerializer, request.data)
        return Response(_detail(services.mission_update(mission=mission, **data)))

    def perform_destroy(self, instance: Mission) -> None:
        services.mission_delete(mission=instance)


class MissionActionView(DomainErrorsMixin, APIView):
    """A POST that calls one service on the caller's mission and answers with the mission."""

    domain_errors = MISSION_ERRORS

    def act(self, request: Request, mission_id: str, service: Callable[..., Mission]) -> Mission:
        return service(mission=_own_mission(request, mission_id))


ACTED = {200: MissionDetailSerializer, **CONFLICT}
ACCEPTED = {202: MissionDetailSerializer, **CONFLICT}


class MissionPauseView(MissionActionView):
    """Pause the mission where it is (409 already_paused, mission_finished)."""

    @extend_schema(request=None, responses=ACTED)
    def post(self, request: Request, mission_id: str) -> Response:
        return Response(_detail(self.act(request, mission_id, services.mission_pause)))


class MissionResumeView(MissionActionView):
    """Go on with a paused mission (409 not_paused)."""

    @extend_schema(request=None, responses=ACCEPTED)
    def post(self, request: Request, mission_id: str) -> Response:
        mission = self.act(request, mission_id, services.mission_resume)
        return Response(_detail(mission), status=status.HTTP_202_ACCEPTED)


class MissionCancelView(MissionActionView):
    """Stop the mission for good (409 already_cancelled, mission_finished)."""

    @extend_schema(request=None, responses=ACTED)
    def post(self, request: Request, mission_id: str) -> Response:
        return Response(_detail(self.act(request, mission_id, services.mission_cancel)))


class MissionRetryView(MissionActionView):
    """Run a failed or cancelled mission again from its last finished step (409
    not_retryable, too_many_missions)."""

    @extend_schema(request=None, responses=ACCEPTED)
    def post(self, request: Request, mission_id: str) -> Response:
        mission = self.act(request, mission_id, services.mission_retry)
        return Response(_detail(mission), status=status.HTTP_202_ACCEPTED)


class MissionAnswerView(DomainErrorsMixin, APIView):
    """Answer the question the mission waits on; it goes on with the answer."""

    domain_errors = MISSION_ERRORS

    @extend_schema(
        request=AnswerInputSerializer, responses={202: MissionDetailSerializer, **CONFLICT}
    )
    def post(self, request: Request, mission_id: str) -> Response:
        mission = _own_mission(request, mission_id)
        data = validated(AnswerInputSerializer, request.data)
        answered = services.mission_answer(
            mission=mission, question_id=str(data["question"]), content=data["content"]
        )
        return Response(_detail(answered), status=status.HTTP_202_ACCEPTED)
