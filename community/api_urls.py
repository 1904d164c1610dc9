"""Community's API routes; ``/api/members/`` is routed by directory.api_urls (its list
is the directory's search)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from community import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", api.MunicipalityViewSet, basename="municipality")
router.register("expertise", api.ExpertiseViewSet, basename="expertise")
router.register("projects", api.ProjectViewSet, basename="project")

urlpatterns = [
    path("auth/token/", api.AuthTokenView.as_view(), name="api_token"),
    path("members/me/tokens/", api.MemberTokenListView.as_view(), name="api_member_tokens"),
    path("members/me/totp/", api.MemberTotpView.as_view(), name="api_member_totp"),
    path(
        "members/me/totp/confirm/",
        api.MemberTotpConfirmView.as_view(),
        name="api_member_totp_confirm",
    ),
    path("members/me/factors/", api.MemberFactorListView.as_view(), name="api_member_factors"),
    path(
        "members/me/passkeys/<int:pk>/",
        api.MemberPasskeyDetailView.as_view(),
        name="api_member_passkey",
    ),
    path(
        "members/me/tokens/<int:pk>/",
        api.MemberTokenDetailView.as_view(),
        name="api_member_token",
    ),
    *router.urls,
]
