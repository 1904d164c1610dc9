"""The header search's composition before counting read the page (``1289843``), for
``bench/search_scale.py --header-before`` to measure beside the current one in the
same run: each kind counted on its own before its page is read (chat messages
all of them), every hit of each kind's first ``stop`` given its snippet from
the Markdown source, whether the page shows it or not. The kinds' selectors are
today's; ``expect``/``expect_page`` do nothing here.

``newest_matches`` is how the chat found its candidates then (one query along
the key or through the trigram index, as the planner guessed), for the
benchmark to put in place of ``chat.selectors._newest_matches``.

The module text below is ``directory/federated.py`` as it was.
"""

import heapq
import itertools
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, Exists, F, Max, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from chat.selectors import message_match_count, message_search_page, room_title
from community.models import Project, User
from community.selectors import project_search
from core.markdown import markdown_to_text
from core.search_text import query_terms
from core.snippets import highlight, matched_words, snippet
from directory.selectors import member_search
from events.models import Event
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

    @property
    def snippet_html(self) -> SafeString:
        return highlight(self.snippet, self.terms)

    @property
    def title_html(self) -> SafeString:
        return highlight(self.title, self.terms)


def _why(text: str, terms: list[str]) -> str:
    found = matched_words(text, terms)
    return _("enthält: %(words)s") % {"words": ", ".join(found[:5])} if found else ""


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
    at those positions, with the kind's own, not yet normalised, scores), each a fixed
    number of queries."""

    def __init__(self, viewer: User, q: str, terms: list[str]):
        self.viewer, self.q, self.terms = viewer, q, terms

    def count(self) -> int:
        raise NotImplementedError

    def window(self, start: int, stop: int) -> list[Hit]:
        raise NotImplementedError


class _Members(_Kind):
    @cached_property
    def search(self):
        return member_search(viewer=self.viewer, q=self.q)

    def count(self) -> int:
        # At most directory.selectors.COUNT_LIMIT, as on /api/members/.
        return self.search.members.count()

    def window(self, start: int, stop: int) -> list[Hit]:
        ranked = self.search.members
        ranked.fetch(start, stop)
        hits = []
        for member in ranked[start:stop]:
            reasons = self.search.reasons(member)
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
                    snippet(" · ".join(reasons) or markdown_to_text(member.bio), self.terms),
                    member.get_absolute_url(),
                    float(member.score or 0),
                    reason=" · ".join(reasons),
                    meta=about,
                    terms=self.terms,
                )
            )
        return hits


class _Projects(_Kind):
    """Matching projects, ranked in the database: a term in the title counts 2, one in
    a tool's name 1 (the description holds the rest); then recently changed before
    long untouched."""

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
            project_search(viewer=self.viewer, q=self.q)
            .annotate(hits_rank=_term_count("title", terms) * 2 + sum(tool_hits[1:], tool_hits[0]))
            .order_by("-hits_rank", "-updated_at", "-pk")
        )

    def count(self) -> int:
        return self.ranked.count()

    def window(self, start: int, stop: int) -> list[Hit]:
        now = timezone.now()
        hits = []
        for project in self.ranked[start:stop]:
            text = markdown_to_text(project.body + "\n\n" + project.lessons_learned)
            age = (now - project.updated_at).total_seconds() / 86400
            hits.append(
                Hit(
                    "project",
                    project.pk,
                    project.title,
                    snippet(text, self.terms),
                    project.get_absolute_url(),
                    # Whole steps per term in the title or tools, recency below one step.
                    1.0 + project.hits_rank + 0.5 * _recency(age, 365),
                    reason=_why(project.title + " " + text, self.terms),
                    meta=project.municipality.name if project.municipality_id else "",
                    terms=self.terms,
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
        return (
            self.posts.order_by()
            .values("thread_id")
            .annotate(best=Max("rank"))
            .order_by("-best", "-thread_id")
        )

    def count(self) -> int:
        return self.ranked.count()

    def window(self, start: int, stop: int) -> list[Hit]:
        threads = [row["thread_id"] for row in self.ranked[start:stop]]
        best_posts: dict[int, object] = {}
        for post in self.posts.filter(thread_id__in=threads):  # best first
            best_posts.setdefault(post.thread_id, post)
        hits = []
        for thread_id in threads:
            post = best_posts.get(thread_id)
            if post is None:  # hidden in between
                continue
            text = markdown_to_text(post.body)
            hits.append(
                Hit(
                    "thread",
                    thread_id,
                    post.thread.title,
                    snippet(text, self.terms),
                    post.get_absolute_url(),
                    float(post.rank or 0),
                    reason=_why(post.thread.title + " " + text, self.terms),
                    meta=post.thread.category.name,
                    terms=self.terms,
                )
            )
        return hits


class _Events(_Kind):
    """Matching events, ranked in the database: more terms in the title first (the
    description holds the rest), then the coming ones, soonest first, then the past,
    latest first.

    Each term must be in the title or the description; on PostgreSQL the trigram
    indexes of both (events migration 0004) answer that.
    """

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def ranked(self):
        now = self.now
        terms = self.terms[:MAX_TERMS]
        events = Event.objects.visible_to(self.viewer).select_related("hosting_municipality")
        for term in terms:
            events = events.filter(Q(title__icontains=term) | Q(description__icontains=term))
        return events.annotate(
            title_hits=_term_count("title", terms),
            coming=Case(When(ends_at__gte=now, then=Value(1)), default=Value(0)),
            coming_start=Case(When(ends_at__gte=now, then=F("starts_at"))),
        ).order_by(
            "-title_hits", "-coming", F("coming_start").asc(nulls_last=True), "-starts_at", "-pk"
        )

    def count(self) -> int:
        return self.ranked.count()

    def window(self, start: int, stop: int) -> list[Hit]:
        hits = []
        for event in self.ranked[start:stop]:
            text = markdown_to_text(event.description)
            days = (event.starts_at - self.now).total_seconds() / 86400
            hits.append(
                Hit(
                    "event",
                    event.pk,
                    event.title,
                    snippet(text, self.terms),
                    event.get_absolute_url(),
                    # Whole steps per term in the title; coming and near below one step.
                    1.0 + 2 * event.title_hits + 0.5 * event.coming + 0.4 * _recency(days, 30),
                    reason=_why(event.title + " " + text, self.terms),
                    meta=event.starts_at.date().isoformat(),
                    terms=self.terms,
                )
            )
        return hits


class _Messages(_Kind):
    """The newest matches ranked by relevance, then the older ones newest first (score 0)."""

    def count(self) -> int:
        return message_match_count(viewer=self.viewer, terms=self.terms[:MAX_TERMS])

    def window(self, start: int, stop: int) -> list[Hit]:
        hits = []
        found = message_search_page(
            viewer=self.viewer, terms=self.terms[:MAX_TERMS], start=start, stop=stop
        )
        for message in found:
            text = markdown_to_text(message.body)
            url = reverse("chat:room", kwargs={"slug": message.room.slug})
            hits.append(
                Hit(
                    "message",
                    message.pk,
                    room_title(message.room, viewer=self.viewer),
                    snippet(text, self.terms),
                    f"{url}?nachricht={message.seq}#nachricht-{message.seq}",
                    message.search_score,
                    reason=_why(text, self.terms),
                    meta=message.author.display_name if message.author_id else "",
                    terms=self.terms,
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

    ``count()`` adds up the kinds' counts (one query or two each); a slice costs a
    fixed number of queries per kind, however deep. One kind: the slice is that
    kind's ranked rows, normalised by its best hit (one small query more beyond
    the first page). Several kinds: each kind's first ``stop`` hits, merged by
    score (see the module), so deeper pages of a merged list read more rows;
    a deep look at one kind is cheaper with that kind alone.
    """

    ordered = True  # for Django's paginator: the order is the ranking

    def __init__(self, *, viewer: User, q: str, terms: list[str], kinds: list[str]):
        self.kinds = {kind: SEARCHES[kind](viewer, q, terms) for kind in kinds} if terms else {}

    def expect(self, *args, **kwargs) -> None:
        pass  # (did not exist)

    def expect_page(self, *args, **kwargs) -> None:
        pass

    @property
    def capped(self) -> dict[str, bool]:
        return dict.fromkeys(self.kinds, False)

    @cached_property
    def counts(self) -> dict[str, int]:
        return {kind: search.count() for kind, search in self.kinds.items()}

    def count(self) -> int:
        return sum(self.counts.values())

    def __len__(self) -> int:
        return self.count()

    def only(self, kind: str) -> "SearchHits":
        """The hits of one of these kinds (sharing what is counted already)."""
        narrowed = SearchHits.__new__(SearchHits)
        narrowed.kinds = {kind: self.kinds[kind]} if kind in self.kinds else {}
        if "counts" in self.__dict__:
            narrowed.counts = {k: self.counts[k] for k in narrowed.kinds}
        return narrowed

    def kind_window(self, kind: str, start: int, stop: int) -> list[Hit]:
        """Hits [start:stop] of one kind, scores normalised."""
        search = self.kinds[kind]
        hits = search.window(start, stop)
        if not hits:
            return hits
        first = hits if start == 0 else search.window(0, 1)
        return _normalised(hits, first[0].score if first else hits[0].score)

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
            return self.kind_window(next(iter(self.kinds)), start, stop)
        order = {kind: position for position, kind in enumerate(KINDS)}
        lists = [
            self.kind_window(kind, 0, min(stop, self.counts[kind]))
            for kind in self.kinds
            if self.counts[kind]
        ]
        merged = heapq.merge(*lists, key=lambda h: (-h.score, order[h.type]))
        return list(itertools.islice(merged, start, stop))


@dataclass
class SearchResults:
    q: str
    terms: list[str]
    hits: SearchHits

    def overview(self, per_kind: int = PER_KIND) -> list[tuple[str, int, list[Hit]]]:
        """(kind, count, best hits) in the order of ``KINDS``, kinds without a hit left out."""
        return [
            (kind, self.hits.counts[kind], self.hits.kind_window(kind, 0, per_kind))
            for kind in KINDS
            if kind in self.hits.kinds and self.hits.counts[kind]
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


def newest_matches(*, viewer, terms, room, n):
    from chat.selectors import _message_matches

    matches = _message_matches(viewer=viewer, terms=terms, room=room)
    return list(matches.order_by("-pk").values_list("pk", "body")[:n])
