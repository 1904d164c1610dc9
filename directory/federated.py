"""One search box for everything: people, projects, forum threads, events, chat messages.

A small federated search: each kind is asked through its own app's search
and visibility (``member_search``, ``project_search``, ``post_search``,
``Event.objects.visible_to``, ``chat.selectors.message_search``), at most
``PER_KIND`` hits each; their scores are normalised per kind to (0, 1] (a
kind's best hit is 1) and the lists merged, best first. A hit's snippet is
plain text made from the Markdown source and cut around the matched words;
``Hit.snippet_html`` marks them for the page. Every kind costs a fixed number
of queries, however many hits it has.
"""

from dataclasses import dataclass, field

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from chat.selectors import message_search, room_title
from community.models import Project, User
from community.selectors import project_search
from core.markdown import markdown_to_text
from core.search_text import query_terms
from core.snippets import highlight, matched_words, snippet
from directory.selectors import member_search
from events.models import Event
from forum.selectors import post_search

KINDS = ("member", "project", "thread", "event", "message")
# Hits per kind: enough for the first pages of the merged list, a fixed cost per kind.
PER_KIND = 20
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


@dataclass
class SearchResults:
    q: str
    terms: list[str]
    hits: list[Hit]

    def by_kind(self) -> list[tuple[str, list[Hit]]]:
        """(kind, hits) in the order of ``KINDS``, kinds without a hit left out."""
        groups = {kind: [] for kind in KINDS}
        for hit in self.hits:
            groups[hit.type].append(hit)
        return [(kind, hits) for kind, hits in groups.items() if hits]


def _normalised(hits: list[Hit]) -> list[Hit]:
    """Scores relative to the kind's best (1.0); without a score of its own, by position."""
    if not hits:
        return hits
    best = max(h.score for h in hits)
    for position, hit in enumerate(hits):
        hit.score = round(hit.score / best if best > 0 else 1.0 / (1 + position * 0.1), 4)
    return hits


def _why(text: str, terms: list[str]) -> str:
    found = matched_words(text, terms)
    return _("enthält: %(words)s") % {"words": ", ".join(found[:5])} if found else ""


def _members(viewer: User, q: str, terms: list[str]) -> list[Hit]:
    search = member_search(viewer=viewer, q=q)
    hits = []
    for member in search.members[0:PER_KIND]:
        reasons = search.reasons(member)
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
                snippet(" · ".join(reasons) or markdown_to_text(member.bio), terms),
                member.get_absolute_url(),
                float(member.score or 0),
                reason=" · ".join(reasons),
                meta=about,
                terms=terms,
            )
        )
    return hits


def _term_count(field: str, terms: list[str]):
    """How many of the terms ``field`` holds (case-insensitive substrings, as the filters)."""
    counts = [
        Case(When(**{f"{field}__icontains": t}, then=Value(1)), default=Value(0)) for t in terms
    ]
    return sum(counts[1:], counts[0])


def _recency(days: float, scale: float) -> float:
    """1 today, ½ after ``scale`` days, towards 0 beyond."""
    return 1.0 / (1.0 + abs(days) / scale)


def _projects(viewer: User, q: str, terms: list[str]) -> list[Hit]:
    """Matching projects, ranked in the database: a term in the title counts 2, one in
    a tool's name 1 (the description holds the rest); then recently changed before
    long untouched."""
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
        for t in terms[:MAX_TERMS]
    ]
    projects = (
        project_search(viewer=viewer, q=q)
        .annotate(
            hits_rank=_term_count("title", terms[:MAX_TERMS]) * 2 + sum(tool_hits[1:], tool_hits[0])
        )
        .order_by("-hits_rank", "-updated_at", "-pk")[:PER_KIND]
    )
    now = timezone.now()
    hits = []
    for project in projects:
        text = markdown_to_text(project.body + "\n\n" + project.lessons_learned)
        age = (now - project.updated_at).total_seconds() / 86400
        hits.append(
            Hit(
                "project",
                project.pk,
                project.title,
                snippet(text, terms),
                project.get_absolute_url(),
                # Whole steps per term in the title or tools, recency below one step.
                1.0 + project.hits_rank + 0.5 * _recency(age, 365),
                reason=_why(project.title + " " + text, terms),
                meta=project.municipality.name if project.municipality_id else "",
                terms=terms,
            )
        )
    return hits


def _threads(viewer: User, q: str, terms: list[str]) -> list[Hit]:
    """The best post of each thread (the thread's title, the matching post's text)."""
    hits: dict[int, Hit] = {}
    for post in post_search(viewer=viewer, q=q)[: PER_KIND * 3]:
        if post.thread_id in hits:
            continue
        text = markdown_to_text(post.body)
        hits[post.thread_id] = Hit(
            "thread",
            post.thread_id,
            post.thread.title,
            snippet(text, terms),
            post.get_absolute_url(),
            float(post.rank or 0),
            reason=_why(post.thread.title + " " + text, terms),
            meta=post.thread.category.name,
            terms=terms,
        )
        if len(hits) == PER_KIND:
            break
    return list(hits.values())


def _events(viewer: User, q: str, terms: list[str]) -> list[Hit]:
    """Matching events, ranked in the database: more terms in the title first (the
    description holds the rest), then the coming ones, soonest first, then the past,
    latest first.

    Each term must be in the title or the description; on PostgreSQL the trigram
    indexes of both (events migration 0004) answer that.
    """
    now = timezone.now()
    events = Event.objects.visible_to(viewer).select_related("hosting_municipality")
    for term in terms[:MAX_TERMS]:
        events = events.filter(Q(title__icontains=term) | Q(description__icontains=term))
    events = events.annotate(
        title_hits=_term_count("title", terms[:MAX_TERMS]),
        coming=Case(When(ends_at__gte=now, then=Value(1)), default=Value(0)),
        coming_start=Case(When(ends_at__gte=now, then=F("starts_at"))),
    ).order_by(
        "-title_hits", "-coming", F("coming_start").asc(nulls_last=True), "-starts_at", "-pk"
    )
    hits = []
    for event in events[:PER_KIND]:
        text = markdown_to_text(event.description)
        days = (event.starts_at - now).total_seconds() / 86400
        hits.append(
            Hit(
                "event",
                event.pk,
                event.title,
                snippet(text, terms),
                event.get_absolute_url(),
                # Whole steps per term in the title; coming and near below one step.
                1.0 + 2 * event.title_hits + 0.5 * event.coming + 0.4 * _recency(days, 30),
                reason=_why(event.title + " " + text, terms),
                meta=event.starts_at.date().isoformat(),
                terms=terms,
            )
        )
    return hits


def _messages(viewer: User, q: str, terms: list[str]) -> list[Hit]:
    hits = []
    for message in message_search(viewer=viewer, terms=terms[:MAX_TERMS], limit=PER_KIND):
        text = markdown_to_text(message.body)
        url = reverse("chat:room", kwargs={"slug": message.room.slug})
        hits.append(
            Hit(
                "message",
                message.pk,
                room_title(message.room, viewer=viewer),
                snippet(text, terms),
                f"{url}?nachricht={message.seq}#nachricht-{message.seq}",
                message.search_score,
                reason=_why(text, terms),
                meta=message.author.display_name if message.author_id else "",
                terms=terms,
            )
        )
    return hits


SEARCHES = {
    "member": _members,
    "project": _projects,
    "thread": _threads,
    "event": _events,
    "message": _messages,
}


def search_everything(*, viewer: User, q: str, kinds: list[str] | None = None) -> SearchResults:
    """What the viewer may open that matches ``q``, best first over all ``kinds``.

    A query without a searchable word (punctuation, one letter) finds nothing
    and costs no query. Ties go to the order of ``KINDS``.
    """
    q = (q or "")[:MAX_QUERY_LENGTH]
    terms = query_terms(q)
    hits: list[Hit] = []
    if terms:
        for kind in KINDS:
            if kinds and kind not in kinds:
                continue
            hits += _normalised(SEARCHES[kind](viewer, q, terms))
    order = {kind: position for position, kind in enumerate(KINDS)}
    hits.sort(key=lambda h: (-h.score, order[h.type]))
    return SearchResults(q, terms, hits)
