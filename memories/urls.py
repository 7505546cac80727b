from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.context import MemoryContextView
from .api.ingestion import IngestionJobView, IngestView
from .api.views import MemoryCollectionViewSet, MemoryViewSet

app_name = "memories-api"

router = SimpleRouter(trailing_slash=False)
router.register("memories", MemoryViewSet, basename="memory")
router.register("memory-collections", MemoryCollectionViewSet, basename="memory-collection")

urlpatterns: list = [
    # Ahead of any memories/{id} route, so that "ingest" is never read as a memory id.
    path("memories/ingest", IngestView.as_view(), name="memory-ingest"),
    path("memories/context", MemoryContextView.as_view(), name="memory-context"),
    path("ingestion-jobs/<str:job_id>", IngestionJobView.as_view(), name="ingestion-job-detail"),
    path("", include(router.urls)),
]
