"""Who may do what in the forum. A missing object and a forbidden one look the same (404).

Every member of the closed network reads every category; writing rules are
below. Moderators (and administrators) may do everything.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404

from forum.models import Category, Flag, Post, Subscription, Thread


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if number < 1 or number > 2**63 - 1:
        raise Http404
    return number


def is_moderator(user) -> bool:
    return bool(user.is_authenticated and user.is_moderator)


def can_start_thread(user, category: Category) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return not category.moderators_only_threads or is_moderator(user)


def can_reply(user, thread: Thread) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return not thread.locked or is_moderator(user)


def can_change_post(user, post: Post) -> bool:
    """Only the author or a moderator edits or deletes a post; a tombstone stays one."""
    if not user.is_authenticated or not user.is_active or post.is_deleted:
        return False
    if is_moderator(user):
        return True
    return post.author_id == user.pk and not post.hidden and not post.thread.locked


def can_edit_thread(user, thread: Thread) -> bool:
    """Title and tags: the thread's author (while it is open) or a moderator."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_moderator(user):
        return True
    return thread.author_id == user.pk and not thread.locked


def can_accept_solution(user, thread: Thread) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return thread.author_id == user.pk or is_moderator(user)


def access_category(user, slug: str) -> Category:
    if not user.is_authenticated:
        raise Http404
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404 from exc


def access_category_page(user, slug: str) -> Category:
    """``access_category`` for its thread list: also whether the viewer watches it."""
    if not user.is_authenticated:
        raise Http404
    watching = Subscription.objects.filter(member=user, category=OuterRef("pk"))
    try:
        return Category.objects.annotate(watching=Exists(watching)).get(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404 from exc


def access_thread(user, thread_id) -> Thread:
    if not user.is_authenticated:
        raise Http404
    try:
        return Thread.objects.select_related("category", "author", "project").get(
            pk=_int(thread_id)
        )
    except Thread.DoesNotExist as exc:
        raise Http404 from exc


def access_thread_page(user, thread_id) -> Thread:
    """``access_thread`` for the thread page: also whether the viewer watches it.

    One query instead of two on every page view (``watching`` is an EXISTS).
    """
    if not user.is_authenticated:
        raise Http404
    watching = Subscription.objects.filter(member=user, thread=OuterRef("pk"))
    try:
        return (
            Thread.objects.select_related("category", "author", "project")
            .annotate(watching=Exists(watching))
            .get(pk=_int(thread_id))
        )
    except Thread.DoesNotExist as exc:
        raise Http404 from exc


def access_post(user, post_id) -> Post:
    if not user.is_authenticated:
        raise Http404
    try:
        return Post.objects.select_related("thread", "thread__category", "author").get(
            pk=_int(post_id)
        )
    except Post.DoesNotExist as exc:
        raise Http404 from exc


def access_flag(user, flag_id) -> Flag:
    if not is_moderator(user):
        raise Http404
    try:
        return Flag.objects.select_related("post", "post__thread").get(pk=_int(flag_id))
    except Flag.DoesNotExist as exc:
        raise Http404 from exc


# --- attached files (registered with files.registry in ForumConfig.ready) -----------
def can_see_post_files(user, post: Post) -> bool:
    """Who reads the post reads its files: every active member, while the post is
    visible (a hidden post's files only for the moderators, a deleted one's for nobody)."""
    if not user.is_authenticated or not user.is_active or post.is_deleted:
        return False
    return not post.hidden or is_moderator(user)


def can_manage_post_files(user, post: Post) -> bool:
    """Who may change the post may remove its files."""
    return can_change_post(user, post)
