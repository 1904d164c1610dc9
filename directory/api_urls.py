from rest_framework.routers import DefaultRouter

from directory import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("members", api.MemberViewSet, basename="member")
router.register("search", api.SearchViewSet, basename="search")

urlpatterns = router.urls
