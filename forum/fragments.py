"""Server-rendered pieces of forum pages, cached where many viewers see the same HTML.

A post's HTML depends on the post (text, state, author, reactions) and on a
few facts about the viewer (author? moderator? may reply? may choose the
solution? which reactions are theirs?), never on the viewer's identity: the
actions post through one form per page (``form="forum-action"``), so no
fragment holds a CSRF token. The cache key is a digest of all of that plus
language, time zone and the template's source, so a change anywhere is a new
key and nothing has to be invalidated; old keys simply expire. Each key
starts with the post's or thread's id (``forum:post:<id>:<digest>``), so
``forget`` can delete every cached copy of one, whatever the viewer: an erased
member's name must not wait a day in the cache.

The thread page and the live-inserted post (``post_fragment``) render through
the same function, so a post arriving live shows the same actions as one
loaded with the page.
"""

import hashlib
import logging
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.cache import caches
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from forum import access

POST_TEMPLATE = "forum/_post.html"
ROW_TEMPLATE = "forum/_thread_row.html"
TTL = 24 * 3600
logger = logging.getLogger(__name__)


def _source_digest(name: str) -> str:
    template = get_template(name)
    source = getattr(getattr(template, "template", None), "source", "") or name
    return hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()[:12]


_cached_digest = cache(_source_digest)


def _template_digest(name: str) -> str:
    """Once per process; in development every time, so an edited template shows at once."""
    return _source_digest(name) if settings.DEBUG else _cached_digest(name)


def _key(kind: str, pk: int, parts: tuple) -> str:
    base = (
        _template_digest(POST_TEMPLATE if kind == "post" else ROW_TEMPLATE),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        parts,
    )
    digest = hashlib.sha1(repr(base).encode(), usedforsecurity=False).hexdigest()
    return f"forum:{kind}:{pk}:{digest}"


def _cached(kind: str, items: list, key_of, render_one) -> list[SafeString]:
    keys = [key_of(item) for item in items]
    try:
        found = django_cache.get_many(keys) if keys else {}
    except Exception:  # a cache outage slows pages down, it does not break them
        logger.warning("forum fragment cache unavailable", exc_info=True)
        return [mark_safe(render_one(item)) for item in items]  # noqa: S308
    missing = {}
    html = []
    for key, item in zip(keys, items, strict=True):
        fragment = found.get(key)
        if fragment is None:
            fragment = render_one(item)
            missing[key] = fragment
        html.append(mark_safe(fragment))  # noqa: S308 (our own template's output)
    if missing:
        try:
            django_cache.set_many(missing, TTL)
        except Exception:
            logger.warning("forum fragment cache unavailable", exc_info=True)
    return html


def forget(*, post_ids=(), thread_ids=()) -> None:
    """Delete every cached fragment of these posts and thread rows (all viewers)."""
    wanted = {f"forum:post:{pk}:" for pk in post_ids} | {f"forum:row:{pk}:" for pk in thread_ids}
    if not wanted:
        return
    try:
        _delete_matching(lambda key: any(key.startswith(prefix) for prefix in wanted))
    except Exception:  # the entries expire within TTL all the same
        logger.warning("forum fragment cache unavailable", exc_info=True)


def _delete_matching(matches) -> None:
    backend = caches["default"]  # the backend itself, not the proxy
    marker = backend.make_key("forum:")
    head = marker[: -len("forum:")]  # KEY_PREFIX and version, as the backend writes them
    if type(backend).__name__ == "RedisCache":
        client = backend._cache.get_client(write=True)
        found = [
            key
            for key in client.scan_iter(match=f"{head}forum:*", count=1000)
            if matches(key.decode()[len(head) :])
        ]
        for start in range(0, len(found), 500):
            client.delete(*found[start : start + 500])
    elif hasattr(backend, "_cache") and isinstance(backend._cache, dict):  # LocMemCache
        with backend._lock:
            for key in [k for k in backend._cache if k.startswith(head)]:
                if matches(key[len(head) :]):
                    backend._cache.pop(key, None)
                    backend._expire_info.pop(key, None)
    else:
        logger.warning("cannot delete forum fragments from %s", type(backend).__name__)


def post_context(user, thread) -> dict:
    """What a page of ``thread`` knows about its viewer: the same for every post."""
    return {
        "thread": thread,
        "user_pk": user.pk,
        "is_moderator": access.is_moderator(user),
        "can_reply": access.can_reply(user, thread),
        "can_accept": access.can_accept_solution(user, thread),
        "post_base": reverse("forum:index") + "beitrag/",
        "members_base": reverse("member_list"),
        "reply_url": reverse("forum:reply", kwargs={"pk": thread.pk}),
    }


def render_posts(posts: list, context: dict) -> list[SafeString]:
    """Each post's ``<article>`` for this viewer; cache hits cost one ``get_many``."""
    template = get_template(POST_TEMPLATE)
    thread = context["thread"]
    viewer = (
        context["is_moderator"],
        context["can_reply"],
        context["can_accept"],
    )

    def key_of(post):
        author = post.author
        return _key(
            "post",
            post.pk,
            (
                post.pk,
                post.number,
                post.body_html,
                post.created_at,
                post.edited_at,
                post.deleted_at,
                post.hidden,
                post.hidden_reason,
                post.pk == thread.solution_id,
                thread.locked,
                (author.pk, author.handle, author.display_name, author.photo_id)
                if author
                else None,
                # The files shown with the post (prefetched): a new or removed one is a new key.
                tuple(str(f.pk) for f in post.attachments.all()),
                tuple((r["count"], r["mine"]) for r in post.reaction_summary),
                post.author_id == context["user_pk"],
                viewer,
            ),
        )

    def render_one(post):
        return template.render({**context, "post": post})

    return _cached("post", posts, key_of, render_one)


def render_thread_rows(threads: list, *, show_category: bool = False) -> list[SafeString]:
    """Rows of a thread list for this viewer (its unread counts are part of the key)."""
    template = get_template(ROW_TEMPLATE)

    def key_of(thread):
        author = thread.author
        return _key(
            "row",
            thread.pk,
            (
                thread.pk,
                thread.title,
                thread.pinned,
                thread.locked,
                bool(thread.solution_id),
                thread.post_count,
                thread.last_activity_at,
                getattr(thread, "last_read_number", 0) < 0,
                getattr(thread, "unread_count", 0),
                author.display_name if author else None,
                thread.category.name if show_category else None,
                tuple((t.slug, t.name) for t in thread.tags.all()),
            ),
        )

    def render_one(thread):
        return template.render({"thread": thread, "show_category": show_category})

    return _cached("row", threads, key_of, render_one)
