from django.urls import path
from rest_framework.routers import DefaultRouter

from community import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", api.MunicipalityViewSet, basename="municipality")
router.register("members", api.MemberViewSet, basename="member")
router.register("expertise", api.ExpertiseViewSet, basename="expertise")
router.register("projects", api.ProjectViewSet, basename="project")

urlpatterns = [
    path("auth/token/", api.AuthTokenView.as_view(), name="api_token"),
    path("members/me/tokens/", api.MemberTokenListView.as_view(), name="api_member_tokens"),
    path(
        "members/me/tokens/<int:pk>/",
        api.MemberTokenDetailView.as_view(),
        name="api_member_token",
    ),
    *router.urls,
]
