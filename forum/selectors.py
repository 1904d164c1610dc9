"""Reads of the forum, shaped for pages and endpoints with a fixed number of queries.

Thread lists page by keyset (pinned, last activity, id); a thread's posts page
by their gapless number. Neither uses OFFSET, so the thousandth page costs what
the first does.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest

from community.models import Expertise, User
from core.search_text import fold, query_terms, stem, words
from files.models import StoredFile
from forum.models import (
    REACTION_SYMBOLS,
    Category,
    Flag,
    ModerationLog,
    Post,
    PostRevision,
    ReactionKind,
    ReadState,
    Subscription,
    Thread,
    ThreadRevision,
)
from forum.search import FILE_TEXT_MAX_CHARS, PG_CONFIG, get_backend

# As directory/search/postgres.py: shorter words only match exactly.
TYPO_MIN_LENGTH = 5

POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 30


def category_list() -> QuerySet[Category]:
    return Category.objects.annotate(thread_count=Count("threads")).order_by("position", "name")


def _with_read_state(threads: QuerySet, viewer: User) -> QuerySet:
    last_read = ReadState.objects.filter(member=viewer, thread=OuterRef("pk")).values(
        "last_read_number"
    )[:1]
    return threads.annotate(
        last_read_number=Coalesce(Subquery(last_read, output_field=IntegerField()), -1)
    ).annotate(
        # -1: never opened (everything is new); otherwise the posts after the read mark.
        unread_count=Greatest(F("post_count") - Greatest(F("last_read_number"), 0), 0)
    )


def thread_list(*, viewer: User, category: Category | None = None, tag: Expertise | None = None):
    threads = Thread.objects.select_related(
        "category", "author", "solution", "project"
    ).prefetch_related("tags")
    if category is not None:
        threads = threads.filter(category=category)
    if tag is not None:
        threads = threads.filter(tags=tag)
    return _with_read_state(threads, viewer).order_by("-pinned", "-last_activity_at", "-pk")


@dataclass(frozen=True)
class Cursor:
    pinned: bool
    last_activity_at: datetime
    pk: int

    def encode(self) -> str:
        micros = int(self.last_activity_at.timestamp() * 1_000_000)
        return f"{int(self.pinned)}.{micros}.{self.pk}"

    @classmethod
    def decode(cls, value: str) -> "Cursor | None":
        """A cursor from a URL; anything malformed means "from the start"."""
        try:
            pinned, micros, pk = (value or "").split(".")
            if pinned not in {"0", "1"} or len(micros) > 20 or len(pk) > 19:
                return None
            moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
            return cls(pinned == "1", moment, int(pk))
        except (ValueError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class ThreadPage:
    threads: list[Thread]
    next_cursor: str | None
    is_first: bool


def thread_page(
    *, viewer: User, category: Category | None = None, after: str = "", size: int = THREADS_PER_PAGE
) -> ThreadPage:
    """One page of a thread list, keyset-paginated: pinned first, then by last activity."""
    threads = thread_list(viewer=viewer, category=category)
    cursor = Cursor.decode(after)
    if cursor is not None:
        older = Q(last_activity_at__lt=cursor.last_activity_at) | Q(
            last_activity_at=cursor.last_activity_at, pk__lt=cursor.pk
        )
        if cursor.pinned:
            threads = threads.filter(Q(pinned=True) & older | Q(pinned=False))
        else:
            threads = threads.filter(Q(pinned=False) & older)
    rows = list(threads[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = Cursor(last.pinned, last.last_activity_at, last.pk).encode()
    return ThreadPage(rows, next_cursor, cursor is None)


def thread_row(*, viewer: User, thread_id: int) -> Thread | None:
    """One row of a thread list as the viewer sees it (a live-inserted thread)."""
    return thread_list(viewer=viewer).filter(pk=thread_id).first()


def first_posts_prefetch() -> Prefetch:
    """The first post of each thread (its body and files are the thread's), as ``first_posts``."""
    return Prefetch(
        "posts",
        queryset=Post.objects.filter(number=1)
        .defer("search_vector")
        .prefetch_related("attachments"),
        to_attr="first_posts",
    )


def thread_for_broadcast(thread_id: int) -> Thread | None:
    """A thread shaped for ``ThreadSerializer`` (with its first post), for live updates."""
    return (
        Thread.objects.select_related("category", "author", "project")
        .prefetch_related("tags", first_posts_prefetch())
        .filter(pk=thread_id)
        .first()
    )


def thread_search(*, viewer: User, q: str) -> QuerySet[Thread]:
    """Threads whose visible posts match ``q`` or, on PostgreSQL, whose title nearly does.

    Full text (stemmed, umlauts folded) over every visible post, the title
    counting in the first post. PostgreSQL also forgives typos in the title:
    a longer term matches a title word by trigram similarity (``title %> term``
    over the GIN index ``forum_thread_title_trgm``); such threads come first.
    SQLite has no trigrams: its search stays exact (stems and prefixes).
    """
    terms = query_terms(q)
    if not terms:
        return Thread.objects.none()
    matching = get_backend().search(
        Post.objects.filter(deleted_at__isnull=True, hidden=False), terms
    )
    hit = Q(pk__in=matching.values("thread_id"))
    threads = thread_list(viewer=viewer)
    fuzzy = [t for t in terms if len(t) >= TYPO_MIN_LENGTH]
    if connection.vendor == "postgresql" and fuzzy:
        # One ``%>`` per term (not ``ANY``): the trigram GIN index serves only plain operators.
        sql = " OR ".join(["forum_thread.title %%> %s"] * len(fuzzy))
        close = RawSQL(f"({sql})", fuzzy, output_field=BooleanField())  # noqa: S611 (constant)
        threads = threads.annotate(title_close=close).filter(hit | Q(title_close=True))
        return threads.order_by("-title_close", "-last_activity_at", "-pk")
    return threads.filter(hit).order_by("-last_activity_at", "-pk")


def thread_revision_list(*, thread: Thread) -> QuerySet[ThreadRevision]:
    return thread.revisions.select_related("editor").order_by("-created_at", "-pk")


def latest_threads(*, viewer: User, limit: int = 10) -> list[Thread]:
    """The most recently active threads of all categories (index ``forum_thread_activity``)."""
    threads = _with_read_state(
        Thread.objects.select_related("category", "author").prefetch_related("tags"), viewer
    )
    return list(threads.order_by("-last_activity_at", "-pk")[:limit])


def threads_unread_for(*, viewer: User, limit: int = 5) -> list[Thread]:
    """Threads the viewer watches or wrote in that have posts the viewer has not read.

    The start page's "what is new" (issue 20): newest activity first, one query.
    """
    # Candidates by the member's own rows (indexed by member and author), not per thread.
    watched = Subscription.objects.filter(member=viewer, thread__isnull=False).values("thread")
    written = Post.objects.filter(author=viewer).values("thread")
    threads = Thread.objects.select_related("category").filter(
        Q(pk__in=watched) | Q(pk__in=written)
    )
    threads = _with_read_state(threads, viewer).filter(unread_count__gt=0)
    return list(threads.order_by("-last_activity_at", "-pk")[:limit])


def thread_for_member(*, thread_id: int) -> Thread | None:
    """A thread by id: every member reads every thread (forum.access)."""
    return Thread.objects.filter(pk=thread_id).first()


def threads_for_tag(*, viewer: User, tag: Expertise, limit: int = 10) -> list[Thread]:
    return list(thread_list(viewer=viewer, tag=tag)[:limit])


def read_position(*, viewer: User, thread: Thread) -> int:
    state = ReadState.objects.filter(member=viewer, thread=thread).values_list(
        "last_read_number", flat=True
    )
    return next(iter(state), 0)


def page_count(thread: Thread, size: int = POSTS_PER_PAGE) -> int:
    return max(1, math.ceil(thread.post_count / size))


def page_of_number(number: int, size: int = POSTS_PER_PAGE) -> int:
    return max(1, (max(number, 1) - 1) // size + 1)


def posts_queryset() -> QuerySet[Post]:
    # The search vector is the biggest column of a post and no page shows it;
    # nor the text extracted from its files (only the search reads it).
    return (
        Post.objects.select_related("author", "thread")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("reactions", to_attr="reaction_list"),
            Prefetch("attachments", queryset=StoredFile.objects.defer("text")),
        )
    )


def _reaction_summary(post: Post, viewer: User | None) -> list[dict]:
    reactions = getattr(post, "reaction_list", [])
    return [
        {
            "kind": kind,
            "label": label,
            "symbol": REACTION_SYMBOLS[kind],
            "count": sum(1 for r in reactions if r.kind == kind),
            "mine": viewer is not None
            and any(r.kind == kind and r.member_id == viewer.pk for r in reactions),
        }
        for kind, label in ReactionKind.choices
    ]


def post_page(
    *, thread: Thread, page: int, size: int = POSTS_PER_PAGE, viewer: User | None = None
) -> list[Post]:
    """Posts ``(page-1)*size+1 … page*size`` of a thread: a range on (thread, number)."""
    first = (page - 1) * size + 1
    posts = list(
        posts_queryset()
        .filter(thread=thread, number__gte=first, number__lt=first + size)
        .order_by("number")
    )
    for post in posts:
        post.thread = thread  # the caller's thread (with its solution) for every post
        post.reaction_summary = _reaction_summary(post, viewer)
    return posts


def post_for_viewer(*, post_id: int, viewer: User) -> Post:
    """One post shaped as ``post_page`` shapes it (reactions summed for the viewer)."""
    post = posts_queryset().select_related("thread__category").get(pk=post_id)
    post.reaction_summary = _reaction_summary(post, viewer)
    return post


def post_for_broadcast(post_id: int) -> Post | None:
    return posts_queryset().select_related("thread__category").filter(pk=post_id).first()


def post_detail(post_id: int) -> Post | None:
    return post_for_broadcast(post_id)


def revision_list(*, post: Post) -> QuerySet[PostRevision]:
    return post.revisions.select_related("editor").order_by("-created_at", "-pk")


def flag_queue() -> QuerySet[Flag]:
    return (
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related("post", "post__author", "post__thread", "member")
        .order_by("created_at", "pk")
    )


def hidden_posts() -> QuerySet[Post]:
    return (
        Post.objects.filter(hidden=True, deleted_at__isnull=True)
        .select_related("author", "thread")
        .order_by("-pk")
    )


def moderation_log() -> QuerySet[ModerationLog]:
    return ModerationLog.objects.select_related("moderator", "thread", "post").order_by(
        "-created_at", "-pk"
    )


# Posts ranked per search at most: the newest this many matches and the newest this
# many title hits (PostgreSQL). "enaio" matches tens of thousands of posts of a
# national forum; ranking them all cost most of the header search. None: rank all.
FORUM_CANDIDATES: int | None = 500


def post_search(*, viewer: User, q: str) -> QuerySet[Post]:
    """Visible posts matching a query, best first (title hits weigh more), among the
    newest matches and the newest title hits (``FORUM_CANDIDATES`` each)."""
    terms = query_terms(q)
    if not terms:
        return Post.objects.none()
    posts = Post.objects.filter(deleted_at__isnull=True, hidden=False).select_related(
        "thread", "thread__category", "author"
    )
    return get_backend().search(posts, terms, candidates=FORUM_CANDIDATES).order_by("-rank", "-pk")


def _text_matches(text: str, stems: list[str]) -> bool:
    """As SQLite's index matches: a word of the text whose stem begins with a term's stem.

    Only words that begin like a stem are stemmed (Snowball costs ≈ 0.3 ms a word).
    """
    heads = {s[:3] for s in stems}
    for word in set(words(text[:FILE_TEXT_MAX_CHARS])):
        if any(fold(word).startswith(head) for head in heads):
            stemmed = stem(word)
            if any(stemmed.startswith(s) for s in stems):
                return True
    return False


def attachments_matching(*, posts: list[Post], q: str) -> None:
    """Set ``post.matched_files``: the attached files whose text matches ``q``.

    The search finds a post by its files' text as by its own; this tells which
    file it was (one query for a page of results, whatever its length).
    PostgreSQL asks the same German full-text configuration as the index;
    SQLite compares word beginnings with the terms' stems (as its FTS5 prefix match).
    """
    for post in posts:
        post.matched_files = []
    terms = query_terms(q)
    if not posts or not terms:
        return
    files = StoredFile.objects.filter(
        attached_type__app_label="forum",
        attached_type__model="post",
        attached_id__in=[p.pk for p in posts],
    ).exclude(text="")
    if connection.vendor == "postgresql":
        query = " || ".join(["plainto_tsquery(%s::regconfig, %s)"] * len(terms))
        params = []
        for term in terms:
            params += [PG_CONFIG, term]
        hit = RawSQL(  # noqa: S611 (constants; the terms are parameters)
            f"to_tsvector(%s::regconfig, left(text, %s)) @@ ({query})",
            [PG_CONFIG, FILE_TEXT_MAX_CHARS, *params],
            output_field=BooleanField(),
        )
        found = list(files.annotate(hit=hit).filter(hit=True).defer("text").order_by("pk"))
    else:
        stems = [stem(t) for t in terms if stem(t)]
        found = [f for f in files.order_by("pk") if _text_matches(f.text, stems)]
    by_post = {p.pk: p for p in posts}
    for file in found:
        by_post[file.attached_id].matched_files.append(file)


def member_handles(*, q: str, limit: int = 8) -> QuerySet[User]:
    """Mentions autocomplete: active members by handle or display name."""
    q = (q or "").strip().lstrip("@")[:60]
    members = User.objects.filter(is_active=True)
    if q:
        members = members.filter(Q(handle__istartswith=q) | Q(display_name__icontains=q))
    return members.only("pk", "handle", "display_name").order_by("display_name", "pk")[:limit]
