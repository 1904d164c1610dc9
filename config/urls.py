from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.health import healthz

# Each app owns its API routes (<app>/api_urls.py) and pages (<app>/urls.py).
api_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include("files.api_urls")),
    path("", include("community.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("forum.api_urls")),
    path("", include("chat.api_urls")),
    path("", include("events.api_urls")),
    path("", include("privacy.api_urls")),
    path("", include("directory.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
    # Switching the language must work on the sign-in page too.
    path("sprache/", login_not_required(set_language), name="set_language"),
    path("dateien/", include("files.urls")),
    path("forum/", include("forum.urls")),
    path("chat/", include("chat.urls")),
    path("termine/", include("events.urls")),
    path("", include("privacy.urls")),
    path("", include("directory.urls")),
    path("", include("home.urls")),
    path("", include("community.urls")),
    path("", include("notifications.urls")),
]

handler400 = "community.views.bad_request"
handler403 = "community.views.permission_denied"
handler404 = "community.views.not_found"
handler500 = "community.views.server_error"
