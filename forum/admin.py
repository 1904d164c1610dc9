"""The forum in the Django admin: categories to configure; the rest to look at.

Threads and posts are changed through the forum's own pages (services keep
numbers, revisions and the moderation log right), so they are read-only here.
"""

from django.contrib import admin

from forum.models import Category, Flag, ModerationLog, Post, Thread, ThreadRevision


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "moderators_only_threads"]
    list_editable = ["position", "moderators_only_threads"]
    prepopulated_fields = {"slug": ["name"]}


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["title", "category", "author", "post_count", "pinned", "locked"]
    list_filter = ["category", "pinned", "locked"]
    list_select_related = ["category", "author"]
    search_fields = ["title"]
    raw_id_fields = ["author", "project", "solution"]


@admin.register(ThreadRevision)
class ThreadRevisionAdmin(ReadOnlyAdmin):
    list_display = ["thread", "title", "editor", "created_at"]
    list_select_related = ["thread", "editor"]
    raw_id_fields = ["thread", "editor"]


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "created_at", "hidden"]
    list_select_related = ["author"]
    raw_id_fields = ["thread", "author"]
    exclude = ["search_vector"]


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["post", "member", "reason", "created_at", "resolved_at"]
    raw_id_fields = ["post", "member", "resolved_by"]


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "moderator", "action", "thread", "detail"]
    list_filter = ["action"]
    list_select_related = ["moderator", "thread"]
    raw_id_fields = ["moderator", "thread", "post"]

    def has_delete_permission(self, request, obj=None):
        return False
