"""One search box for everything: people, projects, forum threads, events, chat messages.

A small federated search: each kind is asked through its own app's search
and visibility (``member_search``, ``project_search``, ``post_search``,
``Event.objects.visible_to``, ``chat.selectors.message_search_head``). Each
kind is a ranked list that is counted and sliced on its own (``_Kind``), a
fixed number of queries however many hits it has and however deep the slice;
where a kind's ranking query counts its hits too, its count costs nothing more.

``SearchHits`` pages through them. One kind: its own rank order, every hit
reachable. Several kinds: the kinds' lists merged by score, where a hit's score
is its kind's score relative to the kind's best hit (which is 1.0), never above
the score of the hit ranked before it in its kind; ties go to the order of
``KINDS``. The merge takes each kind's hits in their own order, so the first N
merged hits depend only on each kind's first N: pages cut from it never repeat
or skip a hit. A hit's snippet is plain text made from the stored, sanitised
HTML (as ``markdown_to_text`` makes it from the source), only for the hits a
page shows, and cut around the matched words; ``Hit.snippet_html`` marks them.

What a kind holds: members at most ``directory.selectors.COUNT_LIMIT`` (1,000),
forum threads those of the forum search's candidates, chat messages the newest
``chat.selectors.SEARCH_CANDIDATES`` (200) matches; projects and events all.
"""

import heapq
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, connections
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from chat import selectors as chat_selectors
from chat.selectors import message_search_head, room_title
from community.models import Project, User
from community.selectors import project_search
from core.markdown import html_to_text
from core.search_text import query_terms
from core.snippets import highlight, matched_words, snippet
from directory.selectors import member_search
from events.models import Event
from forum.models import Post
from forum.selectors import post_search

KINDS = ("member", "project", "thread", "event", "message")
# Hits per kind on the search page's overview (each with a link to all of its kind).
PER_KIND = 5
MAX_QUERY_LENGTH = 200
# Terms a kind filters on at most (each is one more condition to meet).
MAX_TERMS = 6


@dataclass
class Hit:
    type: str
    id: int
    title: str
    snippet: str
    url: str
    score: float
    #: Why it matched ("Projekt: … · Expert:in E-Akte/DMS", or the matched words).
    reason: str = ""
    meta: str = ""
    terms: list[str] = field(default_factory=list)
    #: Makes (snippet, reason) when asked (``described``): only the hits a page shows
    #: need them, not every hit the merge of the kinds looks at.
    describe: Callable[[], tuple[str, str]] | None = field(default=None, repr=False, compare=False)

    def described(self) -> "Hit":
        if self.describe is not None:
            self.snippet, self.reason = self.describe()
            self.describe = None
        return self

    @property
    def snippet_html(self) -> SafeString:
        return highlight(self.snippet, self.terms)

    @property
    def title_html(self) -> SafeString:
        return highlight(self.title, self.terms)


def _why(text: str, terms: list[str]) -> str:
    found = matched_words(text, terms)
    return _("enthält: %(words)s") % {"words": ", ".join(found[:5])} if found else ""


def _text_hit(title: str, html: str, terms: list[str]) -> Callable[[], tuple[str, str]]:
    """(snippet, reason) of a hit whose text is stored HTML (plain text made from it)."""

    def describe() -> tuple[str, str]:
        text = html_to_text(html)
        return snippet(text, terms), _why(f"{title} {text}".strip(), terms)

    return describe


def _term_count(field: str, terms: list[str]):
    """How many of the terms ``field`` holds (case-insensitive substrings, as the filters)."""
    counts = [
        Case(When(**{f"{field}__icontains": t}, then=Value(1)), default=Value(0)) for t in terms
    ]
    return sum(counts[1:], counts[0])


def _recency(days: float, scale: float) -> float:
    """1 today, ½ after ``scale`` days, towards 0 beyond."""
    return 1.0 / (1.0 + abs(days) / scale)


class _Kind:
    """One kind's hits in its rank order: ``count()`` and ``window(start, stop)`` (the hits
    at those positions, with the kind's own, not yet normalised, scores, undescribed),
    each a fixed number of queries. A window whose query counted every hit as well
    sets ``counted``, and ``count()`` then asks nothing more."""

    #: How many hits there are, where known without a count of their own.
    counted: int | None = None

    def __init__(self, viewer: User, q: str, terms: list[str]):
        self.viewer, self.q, self.terms = viewer, q, terms

    def count(self) -> int:
        if self.counted is None:
            self.counted = self._count()
        return self.counted

    @property
    def capped(self) -> bool:
        """More hits than ``count()`` says (it stopped at ``COUNT_LIMIT``)."""
        return False

    def _count(self) -> int:
        raise NotImplementedError

    def window(self, start: int, stop: int) -> list[Hit]:
        raise NotImplementedError


class _Members(_Kind):
    @cached_property
    def search(self):
        return member_search(viewer=self.viewer, q=self.q)

    def _count(self) -> int:
        # At most directory.selectors.COUNT_LIMIT, as on /api/members/; after a
        # window, known from its query.
        return self.search.members.count()

    @property
    def capped(self) -> bool:
        return self.search.members.count_is_capped

    def window(self, start: int, stop: int) -> list[Hit]:
        ranked = self.search.members
        ranked.fetch(start, stop)  # counts the matches in the same query
        hits = []
        for member in ranked[start:stop]:
            about = " · ".join(
                v
                for v in (member.position, member.municipality.name if member.municipality else "")
                if v
            )
            hits.append(
                Hit(
                    "member",
                    member.pk,
                    member.display_name,
                    "",
                    member.get_absolute_url(),
                    float(member.score or 0),
                    meta=about,
                    terms=self.terms,
                    describe=self._describe(member),
                )
            )
        return hits

    def _describe(self, member: User) -> Callable[[], tuple[str, str]]:
        def describe() -> tuple[str, str]:
            reasons = " · ".join(self.search.reasons(member))
            return snippet(reasons or html_to_text(member.bio_html), self.terms), reasons

        return describe


class _Projects(_Kind):
    """Matching projects, ranked in the database: a term in the title counts 2, one in
    a tool's name 1 (the description holds the rest); then recently changed before
    long untouched. The ranking query reads only what it orders by and counts the
    matches as well; a second one loads the projects of the window."""

    @cached_property
    def matching(self):
        return project_search(viewer=self.viewer, q=self.q).select_related(None)

    @cached_property
    def ranked(self):
        terms = self.terms[:MAX_TERMS]
        tool_hits = [
            Case(
                When(
                    Exists(
                        Project.tools.through.objects.filter(
                            project=OuterRef("pk"), tool__name__icontains=t
                        )
                    ),
                    then=Value(1),
                ),
                default=Value(0),
            )
            for t in terms
        ]
        return (
            self.matching.prefetch_related(None)
            .annotate(
                hits_rank=_term_count("title", terms) * 2 + sum(tool_hits[1:], tool_hits[0]),
                matches=Window(Count("*")),
            )
            .order_by("-hits_rank", "-updated_at", "-pk")
            .values_list("pk", "hits_rank", "updated_at", "matches")
        )

    def _count(self) -> int:
        return self.matching.prefetch_related(None).count()

    def window(self, start: int, stop: int) -> list[Hit]:
        rows = list(self.ranked[start:stop])
        if not rows:
            return []
        self.counted = rows[0][3]
        projects = Project.objects.select_related("municipality").in_bulk([r[0] for r in rows])
        now = timezone.now()
        hits = []
        for pk, hits_rank, updated_at, _matches in rows:
            project = projects.get(pk)
            if project is None:  # deleted in between
                continue
            age = (now - updated_at).total_seconds() / 86400
            hits.append(
                Hit(
                    "project",
                    project.pk,
                    project.title,
                    "",
                    project.get_absolute_url(),
                    # Whole steps per term in the title or tools, recency below one step.
                    1.0 + hits_rank + 0.5 * _recency(age, 365),
                    meta=project.municipality.name if project.municipality_id else "",
                    terms=self.terms,
                    describe=_text_hit(
                        project.title,
                        project.body_html + "<p></p>" + project.lessons_learned_html,
                        self.terms,
                    ),
                )
            )
        return hits


class _Threads(_Kind):
    """Threads ranked by their best matching post (the thread's title, that post's text)."""

    @cached_property
    def posts(self):
        return post_search(viewer=self.viewer, q=self.q)

    @cached_property
    def ranked(self):
        ranked = (
            self.posts.order_by()
            .values("thread_id")
            .annotate(best=Max("rank"), matches=Window(Count("*")))
        )
        if connection.vendor == "postgresql":
            # Each thread's best post (as ``posts`` orders them: best first, then the
            # newest) from the same query: the window's posts then come by their key,
            # not from the forum search a second time.
            ranked = ranked.annotate(
                best_post=Func(
                    ArrayAgg("pk", order_by=(F("rank").desc(), F("pk").desc())),
                    template="(%(expressions)s)[1]",
                    output_field=BigIntegerField(),
                )
            )
        return ranked.order_by("-best", "-thread_id")

    def _count(self) -> int:
        return self.posts.order_by().values("thread_id").distinct().count()

    def window(self, start: int, stop: int) -> list[Hit]:
        rows = list(self.ranked[start:stop])
        if not rows:
            return []
        self.counted = rows[0]["matches"]
        threads = [row["thread_id"] for row in rows]
        best_posts: dict[int, object] = {}
        if "best_post" in rows[0]:
            found = (
                Post.objects.filter(deleted_at__isnull=True, hidden=False)
                .select_related("thread", "thread__category", "author")
                .in_bulk([row["best_post"] for row in rows])
            )
            for row in rows:
                post = found.get(row["best_post"])
                if post is not None:  # else hidden in between
                    post.rank = row["best"]
                    best_posts[row["thread_id"]] = post
        else:
            for post in self.posts.filter(thread_id__in=threads):  # best first
                best_posts.setdefault(post.thread_id, post)
        hits = []
        for thread_id in threads:
            post = best_posts.get(thread_id)
            if post is None:  # hidden in between
                continue
            hits.append(
                Hit(
                    "thread",
                    thread_id,
                    post.thread.title,
                    "",
                    post.get_absolute_url(),
                    float(post.rank or 0),
                    meta=post.thread.category.name,
                    terms=self.terms,
                    describe=_text_hit(post.thread.title, post.body_html, self.terms),
                )
            )
        return hits


class _Events(_Kind):
    """Matching events, ranked in the database: more terms in the title first (the
    description holds the rest), then the coming ones, soonest first, then the past,
    latest first. The ranking query reads only what it orders by and counts the
    matches as well; a second one loads the events of the window.

    Each term must be in the title or the description; on PostgreSQL the trigram
    indexes of both (events migration 0004) answer that.
    """

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def matching(self):
        events = Event.objects.visible_to(self.viewer)
        for term in self.terms[:MAX_TERMS]:
            events = events.filter(Q(title__icontains=term) | Q(description__icontains=term))
        return events

    @cached_property
    def ranked(self):
        now = self.now
        terms = self.terms[:MAX_TERMS]
        return (
            self.matching.annotate(
                title_hits=_term_count("title", terms),
                coming=Case(When(ends_at__gte=now, then=Value(1)), default=Value(0)),
                coming_start=Case(When(ends_at__gte=now, then=F("starts_at"))),
                matches=Window(Count("*")),
            )
            .order_by(
                "-title_hits",
                "-coming",
                F("coming_start").asc(nulls_last=True),
                "-starts_at",
                "-pk",
            )
            .values_list("pk", "title_hits", "coming", "matches")
        )

    def _count(self) -> int:
        return self.matching.count()

    def window(self, start: int, stop: int) -> list[Hit]:
        rows = list(self.ranked[start:stop])
        if not rows:
            return []
        self.counted = rows[0][3]
        events = Event.objects.in_bulk([r[0] for r in rows])
        hits = []
        for pk, title_hits, coming, _matches in rows:
            event = events.get(pk)
            if event is None:  # deleted in between
                continue
            days = (event.starts_at - self.now).total_seconds() / 86400
            hits.append(
                Hit(
                    "event",
                    event.pk,
                    event.title,
                    "",
                    event.get_absolute_url(),
                    # Whole steps per term in the title; coming and near below one step.
                    1.0 + 2 * title_hits + 0.5 * coming + 0.4 * _recency(days, 30),
                    meta=event.starts_at.date().isoformat(),
                    terms=self.terms,
                    describe=_text_hit(event.title, event.description_html, self.terms),
                )
            )
        return hits


class _Messages(_Kind):
    """The newest ``SEARCH_CANDIDATES`` matches (200), ranked by relevance as the chat's
    own search ranks them: a word common in a hundred thousand messages is looked
    for among the newest, and the query that finds them counts them too (200
    and more: ``capped``)."""

    _more = False

    def _count(self) -> int:
        self.window(0, 1)
        return self.counted

    @property
    def capped(self) -> bool:
        self.count()
        return self._more

    def window(self, start: int, stop: int) -> list[Hit]:
        candidates = chat_selectors.SEARCH_CANDIDATES
        stop = min(stop, candidates)
        if stop <= start:
            return []
        found, matches = message_search_head(
            viewer=self.viewer, terms=self.terms[:MAX_TERMS], limit=stop
        )
        self._more = matches is None
        self.counted = candidates if matches is None else matches
        hits = []
        for message in found[start:stop]:
            url = reverse("chat:room", kwargs={"slug": message.room.slug})
            hits.append(
                Hit(
                    "message",
                    message.pk,
                    room_title(message.room, viewer=self.viewer),
                    "",
                    f"{url}?nachricht={message.seq}#nachricht-{message.seq}",
                    message.search_score,
                    meta=message.author.display_name if message.author_id else "",
                    terms=self.terms,
                    describe=_text_hit("", message.body_html, self.terms),
                )
            )
        return hits


SEARCHES: dict[str, type[_Kind]] = {
    "member": _Members,
    "project": _Projects,
    "thread": _Threads,
    "event": _Events,
    "message": _Messages,
}


# Whether the kinds of one search are read side by side, each in a thread with a
# connection of its own from the pool (see ``SearchHits._read_all``).
PARALLEL = True


def _may_run_side_by_side(kinds: int) -> bool:
    return (
        PARALLEL
        and kinds > 1
        and connection.vendor == "postgresql"
        and bool(connection.settings_dict.get("OPTIONS", {}).get("pool"))
        and not connection.in_atomic_block
    )


def _normalised(hits: list[Hit], best: float, ceiling: float = 1.0) -> list[Hit]:
    """Scores relative to the kind's best hit (1.0), never above the one ranked before;
    without a score of its own (best 0), by position."""
    for position, hit in enumerate(hits):
        score = hit.score / best if best > 0 else 1.0 / (1 + position * 0.1)
        ceiling = min(ceiling, round(max(score, 0.0), 4))
        hit.score = ceiling
    return hits


class SearchHits:
    """All hits of the asked kinds, best first, as Django's and DRF's paginators slice them.

    ``count()`` adds up the kinds' counts; a slice costs a fixed number of queries
    per kind, however deep. One kind: the slice is that kind's ranked rows,
    normalised by its best hit (one small query more beyond the first page).
    Several kinds: each kind's first ``stop`` hits, merged by score (see the
    module), so deeper pages of a merged list read more rows; a deep look at one
    kind is cheaper with that kind alone.

    A paginator counts before it slices. Told the slice first (``expect``), the
    count reads each kind's part of it at once, and a kind whose ranking query
    counts its matches too (or that has fewer than asked) needs no count of its
    own. Snippets are made only for the hits a slice returns.
    """

    ordered = True  # for Django's paginator: the order is the ranking

    def __init__(self, *, viewer: User, q: str, terms: list[str], kinds: list[str]):
        self.kinds = {kind: SEARCHES[kind](viewer, q, terms) for kind in kinds} if terms else {}
        # Per kind the rows read so far: (start, stop, raw hits).
        self._read: dict[str, tuple[int, int, list[Hit]]] = {}
        self._expected: tuple[int, int, str] | None = None

    def expect(self, start: int, stop: int, *, kind: str = "") -> None:
        """The slice about to be asked for (after the count), of the merged list or of
        one ``kind`` (``only(kind)``)."""
        if 0 <= start < stop:
            self._expected = (start, stop, kind)

    def expect_page(self, number, size: int, *, kind: str = "") -> None:
        """``expect`` the page ``number`` (as a request gives it; nonsense: nothing)."""
        try:
            number = int(number or 1)
        except (TypeError, ValueError):
            return
        if number >= 1 and size >= 1:
            self.expect((number - 1) * size, number * size, kind=kind)

    @cached_property
    def counts(self) -> dict[str, int]:
        if self._expected is not None:
            start, stop, only = self._expected
            if only in self.kinds:
                self._rows(only, start, stop)
            elif not only:
                self._read_all(start if len(self.kinds) == 1 else 0, stop)
        return {kind: search.count() for kind, search in self.kinds.items()}

    def _read_all(self, start: int, stop: int) -> None:
        """Every kind's rows [start:stop]; side by side (``PARALLEL``) where each kind can
        have a pooled connection of its own: the kinds wait on PostgreSQL most of the
        time, and so one search waits about as long as its slowest kind, not the sum.

        Not inside a transaction (the other connections would not see what it
        wrote: tests, ``atomic`` callers), nor without a pool (a new connection
        per kind costs more than it saves). Each thread hands its connection back
        to the pool when done, and reads in the caller's language.
        """
        if not _may_run_side_by_side(len(self.kinds)):
            for kind in self.kinds:
                self._rows(kind, start, stop)
            return
        language = translation.get_language()

        def read(kind: str) -> None:
            try:
                with translation.override(language):
                    self._rows(kind, start, stop)
            finally:
                connections.close_all()  # this thread's: back to the pool

        first, *others = self.kinds
        with ThreadPoolExecutor(max_workers=len(others)) as pool:
            pending = [pool.submit(read, kind) for kind in others]
            self._rows(first, start, stop)  # the members (the slowest) here meanwhile
            for done in pending:
                done.result()

    @cached_property
    def capped(self) -> dict[str, bool]:
        """Per kind: more hits than counted (members beyond 1,000, as
        ``directory.selectors.COUNT_LIMIT``; chat messages beyond the newest 200)."""
        return {kind: search.capped for kind, search in self.kinds.items()}

    def count(self) -> int:
        return sum(self.counts.values())

    def __len__(self) -> int:
        return self.count()

    def only(self, kind: str) -> "SearchHits":
        """The hits of one of these kinds (sharing what is counted and read already)."""
        narrowed = SearchHits.__new__(SearchHits)
        narrowed.kinds = {kind: self.kinds[kind]} if kind in self.kinds else {}
        narrowed._read = {k: v for k, v in self._read.items() if k in narrowed.kinds}
        narrowed._expected = None
        if "counts" in self.__dict__:
            narrowed.counts = {k: self.counts[k] for k in narrowed.kinds}
        return narrowed

    def _rows(self, kind: str, start: int, stop: int) -> list[Hit]:
        """Hits [start:stop] of one kind as the kind scores them (read once)."""
        if kind in self._read:
            first, last, hits = self._read[kind]
            if first <= start and (stop <= last or len(hits) < last - first):
                return hits[start - first : stop - first]
        search = self.kinds[kind]
        hits = search.window(start, stop)
        if start == 0 and len(hits) < stop and search.counted is None:
            search.counted = len(hits)  # all there are
        self._read[kind] = (start, stop, hits)
        return hits

    def kind_window(self, kind: str, start: int, stop: int) -> list[Hit]:
        """Hits [start:stop] of one kind, scores normalised (copies, not yet described)."""
        hits = self._rows(kind, start, stop)
        if not hits:
            return []
        first = hits if start == 0 else self._rows(kind, 0, 1)
        return _normalised(
            [replace(hit) for hit in hits], first[0].score if first else hits[0].score
        )

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step is not None or (key.start or 0) < 0 or key.stop is None or key.stop < 0:
            raise ValueError("only plain slices with an end")
        start, stop = key.start or 0, key.stop
        if stop <= start or not self.kinds:
            return []
        if len(self.kinds) == 1:
            kind = next(iter(self.kinds))
            return [hit.described() for hit in self.kind_window(kind, start, stop)]
        order = {kind: position for position, kind in enumerate(KINDS)}
        lists = [
            self.kind_window(kind, 0, min(stop, self.counts[kind]))
            for kind in self.kinds
            if self.counts[kind]
        ]
        merged = heapq.merge(*lists, key=lambda h: (-h.score, order[h.type]))
        return [hit.described() for hit in itertools.islice(merged, start, stop)]


@dataclass
class SearchResults:
    q: str
    terms: list[str]
    hits: SearchHits

    def overview(self, per_kind: int = PER_KIND) -> list[tuple[str, int, list[Hit]]]:
        """(kind, count, best hits) in the order of ``KINDS``, kinds without a hit left out."""
        self.hits.expect(0, per_kind)
        best = {
            kind: [hit.described() for hit in self.hits.kind_window(kind, 0, per_kind)]
            for kind in KINDS
            if kind in self.hits.kinds
        }
        return [
            (kind, self.hits.counts[kind], hits)
            for kind, hits in best.items()
            if self.hits.counts[kind]
        ]


def search_everything(*, viewer: User, q: str, kinds: list[str] | None = None) -> SearchResults:
    """What the viewer may open that matches ``q`` over ``kinds`` (default all), ranked
    and countable (``SearchResults.hits``, sliced by a paginator).

    A query without a searchable word (punctuation, one letter) finds nothing
    and costs no query.
    """
    q = (q or "")[:MAX_QUERY_LENGTH]
    terms = query_terms(q)
    wanted = [kind for kind in KINDS if not kinds or kind in kinds]
    return SearchResults(q, terms, SearchHits(viewer=viewer, q=q, terms=terms, kinds=wanted))
