from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.views import MemoryCollectionViewSet, MemoryViewSet, MyExportView

app_name = "memories-api"

router = SimpleRouter(trailing_slash=False)
router.register("memories", MemoryViewSet, basename="memory")
router.register("memory-collections", MemoryCollectionViewSet, basename="memory-collection")

urlpatterns: list = [
    path("users/me/export", MyExportView.as_view(), name="me-export"),
    path("", include(router.urls)),
]
