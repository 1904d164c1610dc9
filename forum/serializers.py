"""Forum serializers: the API's shapes, also the payloads of live updates."""

from collections import Counter

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.access import project_visible_to
from community.models import Expertise, Project, User
from files.serializers import AttachmentsField
from forum.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Category, Post, ReactionKind, Thread


class ForumMemberSerializer(serializers.ModelSerializer):
    handle = serializers.CharField(source="public_handle", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "handle", "display_name"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    thread_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Category
        fields = [
            "slug",
            "name",
            "description",
            "position",
            "moderators_only_threads",
            "thread_count",
        ]
        read_only_fields = fields


def first_post(thread) -> Post | None:
    """The thread's visible first post (prefetched as ``first_posts`` in lists)."""
    first = getattr(thread, "first_posts", None)
    if first is None:
        first = list(thread.posts.filter(number=1))
    post = first[0] if first else None
    if post is None or post.is_deleted or post.hidden:
        return None
    return post


class FirstPostBodyField(serializers.CharField):
    """A thread's ``body``: written to create the first post, read from it."""

    def get_attribute(self, instance):
        post = first_post(instance)
        return post.body if post else ""


@extend_schema_field(AttachmentsField())  # the schema of the field it extends
class FirstPostAttachmentsField(AttachmentsField):
    """A thread's ``attachments``: written to the first post, read from it."""

    def get_attribute(self, instance):
        post = first_post(instance)
        return post.attachments if post else []


class VisibleProjectField(serializers.PrimaryKeyRelatedField):
    """The linked project's id, or null when the viewer may not see that project."""

    def use_pk_only_optimization(self):
        return False  # the rule reads the project, loaded with the thread

    def to_representation(self, value):
        viewer = self.context.get("viewer")
        if viewer is None or not project_visible_to(viewer, value):
            return None
        return super().to_representation(value)


class ThreadSerializer(serializers.ModelSerializer):
    """A thread; POST takes ``category`` (slug), ``title`` and ``body`` (its first post)."""

    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    body = FirstPostBodyField(max_length=BODY_MAX_LENGTH)
    body_html = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Expertise.objects.all()
    )
    project = VisibleProjectField(queryset=Project.objects.all(), required=False, allow_null=True)
    attachments = FirstPostAttachmentsField(required=False)
    author = ForumMemberSerializer(read_only=True)
    solution = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    unread_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "category",
            "title",
            "body",
            "body_html",
            "tags",
            "project",
            "author",
            "pinned",
            "locked",
            "created_at",
            "last_activity_at",
            "post_count",
            "solution",
            "unread_count",
            "url",
            "attachments",
        ]
        read_only_fields = [
            "id",
            "body_html",
            "author",
            "pinned",
            "locked",
            "created_at",
            "last_activity_at",
            "post_count",
            "solution",
            "unread_count",
            "url",
        ]

    def get_body_html(self, thread) -> str:
        post = first_post(thread)
        return post.body_html if post else ""


class PostSerializer(serializers.ModelSerializer):
    """A post. Deleted posts are tombstones; hidden ones show only the reason."""

    body = serializers.CharField(max_length=BODY_MAX_LENGTH)
    author = ForumMemberSerializer(read_only=True, allow_null=True)
    thread = serializers.PrimaryKeyRelatedField(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True)
    is_hidden = serializers.BooleanField(source="hidden", read_only=True)
    is_solution = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    attachments = AttachmentsField(required=False)

    class Meta:
        model = Post
        fields = [
            "id",
            "thread",
            "number",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "is_deleted",
            "is_hidden",
            "hidden_reason",
            "is_solution",
            "reactions",
            "url",
            "attachments",
        ]
        read_only_fields = [f for f in fields if f not in ("body", "attachments")]

    def get_is_solution(self, post) -> bool:
        return post.thread.solution_id == post.pk

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_reactions(self, post) -> dict:
        reactions = getattr(post, "reaction_list", None)
        if reactions is None:
            reactions = list(post.reactions.all())
        counts = Counter(r.kind for r in reactions)
        return {kind: counts[kind] for kind in ReactionKind.values if counts[kind]}

    def to_representation(self, post):
        data = super().to_representation(post)
        viewer = self.context.get("viewer")
        moderator = bool(viewer is not None and viewer.is_authenticated and viewer.is_moderator)
        if post.is_deleted or (post.hidden and not moderator):
            data["body"] = ""
            data["body_html"] = ""
            data["attachments"] = []
        return data


class PostCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_LENGTH)
    attachments = AttachmentsField(required=False)


class PostEditSerializer(serializers.Serializer):
    """PATCH of a post: the text, the files (the whole list), or both."""

    body = serializers.CharField(max_length=BODY_MAX_LENGTH, required=False)
    attachments = AttachmentsField(required=False)


class ReactionRequestSerializer(serializers.Serializer):
    reaction = serializers.ChoiceField(choices=ReactionKind.values)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ThreadModerationSerializer(serializers.Serializer):
    pinned = serializers.BooleanField(required=False)
    locked = serializers.BooleanField(required=False)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False
    )


class ThreadUpdateSerializer(ThreadModerationSerializer):
    """PATCH of a thread: title and tags (author, moderators); pin, lock, move (moderators)."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    tags = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Expertise.objects.all()
    )
    attachments = AttachmentsField(required=False)
