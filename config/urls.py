from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from community import api as community_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", community_api.MunicipalityViewSet, basename="municipality")
router.register("members", community_api.MemberViewSet, basename="member")

api_urlpatterns = [
    path("auth/token/", community_api.AuthTokenView.as_view(), name="api_token"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    *router.urls,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_urlpatterns)),
    # Switching the language must work on the sign-in page too.
    path("sprache/", login_not_required(set_language), name="set_language"),
    path("forum/", include("forum.urls")),
    path("chat/", include("chat.urls")),
    path("termine/", include("events.urls")),
    path("", include("community.urls")),
]

handler404 = "community.views.not_found"
handler500 = "community.views.server_error"
