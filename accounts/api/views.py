from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_render
from accounts.services import PreferencesTooLarge, user_export_sections, user_preferences_update
from core.api.caching import NoStoreMixin
from core.api.errors import DomainErrorsMixin
from core.api.parsers import PayloadTooLarge

from .parsers import MergePatchParser, PreferencesJSONParser
from .serializers import (
    PreferencesOutputSerializer,
    PreferencesPatchInputSerializer,
    UserOutputSerializer,
)


class MeView(NoStoreMixin, APIView):
    """The caller's profile and preferences."""

    @extend_schema(operation_id="users_me", responses=UserOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(user_render(request.user))


class MyPreferencesView(NoStoreMixin, DomainErrorsMixin, APIView):
    """Merge a JSON merge patch (RFC 7396) into the caller's preferences."""

    parser_classes = (PreferencesJSONParser, MergePatchParser)
    domain_errors = {PreferencesTooLarge: lambda exc: PayloadTooLarge(str(exc))}

    @extend_schema(
        operation_id="users_me_preferences_update",
        request=PreferencesPatchInputSerializer,
        responses=PreferencesOutputSerializer,
    )
    def patch(self, request: Request) -> Response:
        serializer = PreferencesPatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preferences = user_preferences_update(user=request.user, patch=serializer.validated_data)
        return Response(PreferencesOutputSerializer(preferences).data)


class MyExportView(NoStoreMixin, APIView):
    """Everything stored about the caller, as one JSON document: the profile here, the rest from
    the apps that answer `user_exporting`."""

    @extend_schema(
        responses=OpenApiResponse(
            response=OpenApiTypes.OBJECT,
            description="The caller's data as one document: `profile`, then a key per section "
            "an app adds (collections, memories, deleted_memories_history, ingestion_jobs, "
            "conversations).",
        )
    )
    def get(self, request: Request) -> Response:
        profile = UserOutputSerializer(request.user).data
        return Response({"profile": profile, **user_export_sections(user=request.user)})
