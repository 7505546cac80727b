from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import retry_after_header

from .checks import run_checks


class PublicView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Probes come often from a few addresses (every pod's, through one node): never throttled.
    throttle_classes = ()


class LiveView(PublicView):
    """Liveness: the process answers. Touches no dependency."""

    @extend_schema(operation_id="health_live", responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyView(PublicView):
    """Readiness: database (with pgvector), Redis and a Celery worker."""

    @extend_schema(operation_id="health_ready", responses={200: dict, 503: dict})
    def get(self, request: Request) -> Response:
        checks = run_checks()
        healthy = all(check["ok"] for check in checks.values())
        body = {"status": "ok" if healthy else "degraded", "checks": checks}
        if healthy:
            return Response(body)
        return Response(body, status=503, headers=retry_after_header())
