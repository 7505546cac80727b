from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.errors import not_found
from core.observability.scrape import metrics_view

api_v1 = [
    path("health", include("health.urls")),
    path("", include("accounts.urls")),
    path("", include("memories.urls")),
    path("", include("conversations.urls")),
    path("", include("missions.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # Any other path under api/ is the API's JSON 404, whatever DEBUG is (no HTML debug page).
    re_path(r"^api/", csrf_exempt(not_found), name="api-not-found"),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
]

handler400 = "core.api.errors.bad_request"
handler403 = "core.api.errors.permission_denied"
handler404 = "core.api.errors.not_found"
handler500 = "core.api.errors.server_error"
