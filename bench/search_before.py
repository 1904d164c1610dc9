"""The header search's query shapes before its indexes and ranking (``22e25ae``), for
``bench/search_scale.py`` to measure beside the current ones in the same run.

The member ranking computing its band inside the ranked subquery (the score
twice per match) and the header search's member page ordered by Django's own
query. Projects and events newest first, capped at ``PER_KIND`` and scored by their
position; chat messages newest first by ``created_at`` with every term as
``icontains``. ``INDEXES`` are the indexes added since; the benchmark drops
them inside a transaction it rolls back, so the old shapes run as they ran.
"""

from dataclasses import replace
from functools import cached_property

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Prefetch, Q, Window

from chat.models import Message, RoomKind, RoomMembership
from chat.selectors import room_title, rooms_searchable_by
from community.selectors import project_list
from core.markdown import markdown_to_text
from core.snippets import matched_words, snippet
from directory import federated, selectors
from directory.federated import Hit, _why
from events.models import Event

# Hits per kind the header search read then (all it ever showed of a kind).
PER_KIND = 20

INDEXES = [
    "chat_message_body_trgm",
    "events_event_title_trgm",
    "events_event_description_trgm",
    "community_project_title_trgm",
    "community_project_body_trgm",
    "community_project_lessons_learned_trgm",
]


def _project_search(viewer, terms):
    projects = project_list(viewer=viewer)
    for term in terms[:6]:
        projects = projects.filter(
            Q(title__icontains=term)
            | Q(body__icontains=term)
            | Q(lessons_learned__icontains=term)
            | Q(tools__name__icontains=term)
        )
    return projects.distinct()


def projects(viewer, q, terms):
    hits = []
    for project in _project_search(viewer, terms).order_by("-updated_at", "-pk")[:PER_KIND]:
        text = markdown_to_text(project.body + "\n\n" + project.lessons_learned)
        title_hit = bool(matched_words(project.title, terms))
        hits.append(
            Hit(
                "project",
                project.pk,
                project.title,
                snippet(text, terms),
                project.get_absolute_url(),
                (2.0 if title_hit else 1.0) / (1 + len(hits) * 0.05),
                reason=_why(project.title + " " + text, terms),
                terms=terms,
            )
        )
    return hits


def events(viewer, q, terms):
    found = Event.objects.visible_to(viewer).select_related("hosting_municipality")
    for term in terms[:6]:
        found = found.filter(Q(title__icontains=term) | Q(description__icontains=term))
    hits = []
    for event in found.order_by("-starts_at", "-pk")[:PER_KIND]:
        text = markdown_to_text(event.description)
        title_hit = bool(matched_words(event.title, terms))
        hits.append(
            Hit(
                "event",
                event.pk,
                event.title,
                snippet(text, terms),
                event.get_absolute_url(),
                (2.0 if title_hit else 1.0) / (1 + len(hits) * 0.05),
                terms=terms,
            )
        )
    return hits


def messages(viewer, q, terms):
    found = Message.objects.filter(deleted_at__isnull=True, room__in=rooms_searchable_by(viewer))
    for term in terms[:6]:
        found = found.filter(body__icontains=term)
    found = (
        found.select_related("author", "room")
        .prefetch_related(
            Prefetch(
                "room__memberships",
                queryset=RoomMembership.objects.filter(
                    room__kind=RoomKind.DIRECT, left_at__isnull=True
                ).select_related("member"),
                to_attr="direct_memberships",
            )
        )
        .defer("body_html")
        .order_by("-created_at", "-pk")[:PER_KIND]
    )
    hits = []
    for message in found:
        text = markdown_to_text(message.body)
        hits.append(
            Hit(
                "message",
                message.pk,
                room_title(message.room, viewer=viewer),
                snippet(text, terms),
                f"/chat/{message.room.slug}/?nachricht={message.seq}",
                1.0 / (1 + len(hits) * 0.05),
                terms=terms,
            )
        )
    return hits


class _Before(federated._Kind):
    """An old search function as a kind of today's ``SearchHits``: its capped list."""

    find = None

    @cached_property
    def hits(self) -> list[Hit]:
        return type(self).find(self.viewer, self.q, self.terms)

    def count(self) -> int:
        return len(self.hits)

    def window(self, start: int, stop: int) -> list[Hit]:
        return [replace(hit) for hit in self.hits[start:stop]]


def _kind(find) -> type[_Before]:
    return type(f"Before_{find.__name__}", (_Before,), {"find": staticmethod(find)})


SEARCHES = {
    **federated.SEARCHES,
    "project": _kind(projects),
    "event": _kind(events),
    "message": _kind(messages),
}


def _ranked_with_total(documents, start, stop):
    order = [
        (name.lstrip("-"), "DESC" if name.startswith("-") else "ASC")
        for name in documents.query.order_by
    ]
    columns = list(dict.fromkeys(["member_id", "score", "matched", *(name for name, _ in order)]))
    inner = documents.order_by().values(*columns)
    try:
        sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:
        return []
    qn = connection.ops.quote_name
    ordering = ", ".join(f"{qn(name)} {direction}" for name, direction in order)
    limits = connection.ops.limit_offset_sql(start, stop)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, score, matched, COUNT(*) OVER () FROM ({sql} OFFSET 0) AS ranked"
            f" ORDER BY {ordering} {limits}",
            params,
        )
        return cursor.fetchall()


def _load(self, start, stop, *, with_total=False):
    documents = self.documents
    if with_total and self.scored:
        ranked = _ranked_with_total(documents, start, stop)
    elif with_total:
        documents = documents.annotate(matches=Window(Count("*")))
        ranked = list(documents.values_list("member_id", "score", "matched", "matches")[start:stop])
    else:
        ranked = list(documents.values_list("member_id", "score", "matched")[start:stop])
    if not ranked:
        return []
    if with_total:
        self._count = ranked[0][3]
    members = selectors._page_members([row[0] for row in ranked])
    page = []
    for pk, score, matched, *_matches in ranked:
        member = members.get(pk)
        if member is None:
            continue
        member.score = score
        member.search_matched = matched
        member.search_projects = member.search_projects or []
        page.append(member)
    return page
