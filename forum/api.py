"""REST API of the forum (see docs/api.md): categories, threads, posts.

Views parse input, check access and call one service. A post's thread pages
by post number (no OFFSET), in the platform's ``{"count", "next", "previous",
"results"}`` shape.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from community import access as community_access
from core.api_pagination import PageNumberPagination
from core.api_versions import ETAG, IF_MATCH, PRECONDITION_FAILED, expected_version, with_etag
from forum import access, selectors, services
from forum.serializers import (
    CategorySerializer,
    PostCreateSerializer,
    PostEditSerializer,
    PostSerializer,
    ReactionRequestSerializer,
    ReasonSerializer,
    ThreadSerializer,
    ThreadUpdateSerializer,
)


def _call(service, **kwargs):
    """A service's refusal becomes a 403 that says why; its validation a 400."""
    try:
        return service(**kwargs)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(detail=str(exc) or None) from exc
    except ValidationError:
        raise


def _page_size(request) -> int:
    """As DRF's pagination does: capped at 100, anything unusable means the default."""
    try:
        size = int(request.query_params.get("page_size", ""))
    except ValueError:
        return PageNumberPagination.page_size
    if size < 1:
        return PageNumberPagination.page_size
    return min(size, PageNumberPagination.max_page_size)


class CategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CategorySerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.category_list()


THREAD_FILTERS = [
    OpenApiParameter("category", OpenApiTypes.STR, description="Kategorie (slug)"),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Fachgebiet (slug)"),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=(
            "Volltext über alle sichtbaren Beiträge (Titel zählt im ersten Beitrag), "
            "Wortstämme und Umlaute gefaltet. Auf PostgreSQL auch mit Tippfehlern im "
            "Titel; diese Themen kommen zuerst, sonst nach letzter Aktivität. Leer: "
            "kein Filter."
        ),
    ),
]
SEARCH_MAX_LENGTH = 200


class ThreadViewSet(viewsets.GenericViewSet):
    """Threads; POST creates one with its first post."""

    serializer_class = ThreadSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors.Thread.objects.none()
        return selectors.thread_list(viewer=self.request.user).prefetch_related(
            selectors.first_posts_prefetch()
        )

    def _context(self):
        return {"viewer": self.request.user, "request": self.request}

    @extend_schema(parameters=THREAD_FILTERS)
    def list(self, request):
        threads = self.get_queryset()
        q = request.query_params.get("q", "")
        if q.strip():
            if len(q) > SEARCH_MAX_LENGTH:
                raise exceptions.ValidationError(
                    {"q": [_("Höchstens %(max)d Zeichen.") % {"max": SEARCH_MAX_LENGTH}]}
                )
            threads = selectors.thread_search(viewer=request.user, q=q).prefetch_related(
                selectors.first_posts_prefetch()
            )
        # No slug holds a NUL (and PostgreSQL text cannot): such a filter finds nothing.
        category = request.query_params.get("category")
        if category:
            threads = threads.filter(category__slug=category[:100].replace("\x00", "\ufffd"))
        tag = request.query_params.get("tag")
        if tag:
            threads = threads.filter(tags__slug=tag[:60].replace("\x00", "\ufffd"))
        page = self.paginate_queryset(threads)
        return self.get_paginated_response(
            ThreadSerializer(page, many=True, context=self._context()).data
        )

    def create(self, request):
        payload = ThreadSerializer(data=request.data, context=self._context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        project = data.get("project")
        if project is not None:
            try:
                project = community_access.access_project(request.user, project.pk)
            except Exception as exc:
                raise exceptions.ValidationError({"project": [_("Unbekanntes Projekt.")]}) from exc
        thread = _call(
            services.thread_create,
            author=request.user,
            category=data["category"],
            title=data["title"],
            body=data["body"],
            tags=data.get("tags", []),
            project=project,
            attachments=data.get("attachments"),
        )
        thread = self.get_queryset().get(pk=thread.pk)
        return Response(
            ThreadSerializer(thread, context=self._context()).data, status=status.HTTP_201_CREATED
        )

    def retrieve(self, request, pk=None):
        access.access_thread(request.user, pk)
        thread = self.get_queryset().get(pk=pk)
        return Response(ThreadSerializer(thread, context=self._context()).data)

    @extend_schema(request=ThreadUpdateSerializer, responses=ThreadSerializer)
    def partial_update(self, request, pk=None):
        """The author or a moderator renames or re-tags; only moderators pin, lock or move."""
        thread = access.access_thread(request.user, pk)
        payload = ThreadUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        moderation = {"pinned", "locked", "category"} & set(data)
        if moderation and not access.is_moderator(request.user):
            raise exceptions.PermissionDenied(_("Nur die Moderation ändert Themen."))
        if not access.can_edit_thread(request.user, thread):
            raise exceptions.PermissionDenied(
                _("Nur wer das Thema begonnen hat, oder die Moderation ändert es.")
            )
        _call(services.thread_update, editor=request.user, thread=thread, **data)
        thread = self.get_queryset().get(pk=thread.pk)
        return Response(ThreadSerializer(thread, context=self._context()).data)

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        # Paged by hand (page numbers follow the thread's own pages), in the
        # list shape of every other endpoint.
        responses=inline_serializer(
            name="PaginatedThreadPostList",
            fields={
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": PostSerializer(many=True),
            },
        ),
    )
    @extend_schema(methods=["POST"], request=PostCreateSerializer, responses={201: PostSerializer})
    @action(detail=True, methods=["get", "post"], url_path="posts", pagination_class=None)
    def posts(self, request, pk=None):
        thread = access.access_thread(request.user, pk)
        if request.method == "POST":
            payload = PostCreateSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            post = _call(
                services.post_create,
                author=request.user,
                thread=thread,
                body=payload.validated_data["body"],
                attachments=payload.validated_data.get("attachments"),
            )
            post = selectors.post_detail(post.pk)
            return Response(
                PostSerializer(post, context={"viewer": request.user}).data,
                status=status.HTTP_201_CREATED,
            )
        size = _page_size(request)
        pages = selectors.page_count(thread, size)
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError as exc:
            raise exceptions.NotFound("Ungültige Seite.") from exc
        if not 1 <= page <= pages:
            raise exceptions.NotFound("Ungültige Seite.")
        posts = selectors.post_page(thread=thread, page=page, size=size)
        url = request.build_absolute_uri()

        def link(number):
            if number is None:
                return None
            return (
                remove_query_param(url, "page")
                if number == 1
                else replace_query_param(url, "page", number)
            )

        return Response(
            {
                "count": thread.post_count,
                "next": link(page + 1 if page < pages else None),
                "previous": link(page - 1 if page > 1 else None),
                "results": PostSerializer(posts, many=True, context={"viewer": request.user}).data,
            }
        )


class PostViewSet(viewsets.GenericViewSet):
    """One post: read it; its author or a moderator edits or deletes it."""

    serializer_class = PostSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.posts_queryset()

    def _post(self, request, pk):
        access.access_post(request.user, pk)
        return selectors.post_detail(pk)

    def _respond(self, request, post, code=status.HTTP_200_OK):
        post = selectors.post_detail(post.pk)
        data = PostSerializer(post, context={"viewer": request.user}).data
        return with_etag(Response(data, status=code), post)

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, pk=None):
        return self._respond(request, self._post(request, pk))

    @extend_schema(
        request=PostEditSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: PostSerializer, 412: PRECONDITION_FAILED},
    )
    def partial_update(self, request, pk=None):
        """Edit the text or the files; with If-Match only if nobody changed the post since."""
        post = self._post(request, pk)
        if not access.can_change_post(request.user, post):
            raise exceptions.PermissionDenied(
                _("Nur die Verfasserin, der Verfasser oder die Moderation ändert einen Beitrag.")
            )
        payload = PostEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data:
            raise exceptions.ValidationError({"body": [_("Dieses Feld ist erforderlich.")]})
        post = _call(
            services.post_update,
            editor=request.user,
            post=post,
            body=payload.validated_data.get("body"),
            attachments=payload.validated_data.get("attachments"),
            expected_version=expected_version(request),
        )
        return self._respond(request, post)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        post = self._post(request, pk)
        if not access.can_change_post(request.user, post):
            raise exceptions.PermissionDenied(
                _("Nur die Verfasserin, der Verfasser oder die Moderation löscht einen Beitrag.")
            )
        _call(services.post_delete, member=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ReactionRequestSerializer,
        responses=inline_serializer("ForumReactionState", {"active": serializers.BooleanField()}),
    )
    @action(detail=True, methods=["post"])
    def reactions(self, request, pk=None):
        post = self._post(request, pk)
        payload = ReactionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        active = _call(
            services.reaction_toggle,
            member=request.user,
            post=post,
            kind=payload.validated_data["reaction"],
        )
        return Response({"active": active})

    @extend_schema(request=None, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def solution(self, request, pk=None):
        post = self._post(request, pk)
        _call(services.solution_accept, member=request.user, post=post)
        return self._respond(request, post)

    @extend_schema(request=ReasonSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def flag(self, request, pk=None):
        post = self._post(request, pk)
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(
            services.flag_create,
            member=request.user,
            post=post,
            reason=payload.validated_data["reason"],
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        post = self._post(request, pk)
        if not access.is_moderator(request.user):
            raise exceptions.PermissionDenied(_("Das darf nur die Moderation."))
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(
            services.post_hide,
            moderator=request.user,
            post=post,
            reason=payload.validated_data["reason"],
        )
        return self._respond(request, post)
