"""REST routes of the forum app, mounted under /api/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from forum import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("forum/categories", api.CategoryViewSet, basename="forum-category")
router.register("forum/threads", api.ThreadViewSet, basename="forum-thread")
router.register("forum/posts", api.PostViewSet, basename="forum-post")

urlpatterns = [*router.urls]
