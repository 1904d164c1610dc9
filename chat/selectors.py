"""Reads of the chat app: room lists with unread counts, message pages."""

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest

from chat.models import MEMBERSHIP_KINDS, Mention, Message, Room, RoomKind, RoomMembership
from community.models import User
from core.search_text import stem, words
from files.models import StoredFile

PAGE_SIZE = 100


def room_list_for(*, member: User) -> QuerySet[Room]:
    """The rooms a member sees in the list, each with ``unread`` and ``muted``.

    Open rooms the member left stay out until they visit them again; the
    members of direct conversations come along to name them (one more query).
    """
    visible = Q(kind=RoomKind.NETWORK) | Q(
        kind=RoomKind.MUNICIPALITY, municipality_id=member.municipality_id
    )
    active = RoomMembership.objects.filter(room=OuterRef("pk"), member=member, left_at__isnull=True)
    left = RoomMembership.objects.filter(room=OuterRef("pk"), member=member, left_at__isnull=False)
    return (
        Room.objects.annotate(
            mine=FilteredRelation("memberships", condition=Q(memberships__member=member)),
            is_member=Exists(active),
            has_left=Exists(left),
        )
        .filter(Q(is_member=True) | (visible & Q(has_left=False)))
        .annotate(
            last_read=Coalesce(F("mine__last_read_seq"), Value(0)),
            unread=Greatest(
                F("last_seq") - Coalesce(F("mine__last_read_seq"), Value(0)),
                Value(0),
                output_field=IntegerField(),
            ),
            muted=Coalesce(F("mine__muted"), Value(False), output_field=BooleanField()),
        )
        .annotate(
            mentions=Coalesce(
                Subquery(
                    Mention.objects.filter(
                        member=member,
                        message__room=OuterRef("pk"),
                        message__seq__gt=OuterRef("last_read"),
                        message__deleted_at__isnull=True,
                    )
                    .values("message__room")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=RoomMembership.objects.filter(
                    room__kind=RoomKind.DIRECT, left_at__isnull=True
                ).select_related("member"),
                to_attr="direct_memberships",
            )
        )
        .order_by("kind", "name", "pk")
    )


def rooms_with_unread(*, member: User, limit: int = 5) -> list[Room]:
    """Rooms the member is in, not muted, with unread messages; mentions first (start page)."""
    rooms = room_list_for(member=member).filter(is_member=True, unread__gt=0, muted=False)
    return list(rooms.order_by("-mentions", "-unread", "pk")[:limit])


def room_title(room: Room, *, viewer: User) -> str:
    """A direct conversation is named after the others in it."""
    if room.kind != RoomKind.DIRECT:
        return room.name
    memberships = getattr(room, "direct_memberships", None)
    if memberships is None:
        memberships = list(
            RoomMembership.objects.filter(room=room, left_at__isnull=True).select_related("member")
        )
    others = [m.member.display_name for m in memberships if m.member_id != viewer.pk]
    return ", ".join(sorted(others)) or room.name


def message_list(*, room: Room) -> QuerySet[Message]:
    # Files in one query for a whole page (their extracted text is never shown).
    return (
        Message.objects.filter(room=room)
        .select_related("author", "room")
        .prefetch_related(Prefetch("attachments", queryset=StoredFile.objects.defer("text")))
    )


def messages_after(*, room: Room, after: int, limit: int = PAGE_SIZE) -> tuple[list[Message], bool]:
    """Up to ``limit`` messages with a larger seq, oldest first, and whether more follow."""
    rows = list(message_list(room=room).filter(seq__gt=after).order_by("seq")[: limit + 1])
    return rows[:limit], len(rows) > limit


def messages_before(
    *, room: Room, before: int | None, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """The latest ``limit`` messages below ``before`` (all when None), oldest first."""
    rows = message_list(room=room)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    rows = list(rows.order_by("-seq")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def room_members(*, room: Room) -> QuerySet[User]:
    """Who is in a room now. For a membership room (private, direct, project,
    event) these are exactly the people who can read it (chat.access.can_enter):
    shown to its members before they write ("Wer kann mitlesen")."""
    return (
        User.objects.filter(
            chat_memberships__room=room, chat_memberships__left_at__isnull=True, is_active=True
        )
        .select_related("municipality")
        .order_by("display_name", "pk")
    )


def object_room_for(*, kind: str, object_id: int, viewer: User) -> Room | None:
    """The room of a project or event, if the viewer is in it (for a link on its page)."""
    return (
        Room.objects.filter(
            kind=kind,
            object_id=object_id,
            memberships__member=viewer,
            memberships__left_at__isnull=True,
        )
        .only("slug", "name")
        .first()
    )


# A search returns at most this many messages per request.
SEARCH_LIMIT = 50
# It ranks the newest this many matches (ids are given in sending order): a word
# common in a million messages costs a short walk back, not a sort of all of them.
SEARCH_CANDIDATES = 200


def rooms_searchable_by(member: User) -> QuerySet[Room]:
    """The rooms whose messages a member's search reads: the member's rooms.

    As ``chat.access.can_enter`` (open rooms of the network and the member's
    city, membership rooms only while a member), minus open rooms the member
    left, as the room list shows them. Nobody who may not enter a room finds
    its messages, not even a moderator.
    """
    if not member.is_authenticated or not member.is_active:
        return Room.objects.none()
    active = RoomMembership.objects.filter(room=OuterRef("pk"), member=member, left_at__isnull=True)
    left = RoomMembership.objects.filter(room=OuterRef("pk"), member=member, left_at__isnull=False)
    open_rooms = Q(kind=RoomKind.NETWORK) | Q(
        kind=RoomKind.MUNICIPALITY, municipality_id=member.municipality_id
    )
    return Room.objects.filter(
        (Q(kind__in=MEMBERSHIP_KINDS) & Q(Exists(active))) | (open_rooms & ~Q(Exists(left)))
    )


def message_relevance(body: str, terms: list[str]) -> float:
    """How well a message matches terms it contains: per term 2 as a word of its own
    (or its stem: "Akten" for "Akte"), 1 at the start of a word ("enaio" in
    "enaio-Akte"), 0.5 inside one ("akte" in "Papierakte")."""
    found = words(body)
    whole = set(found) | {stem(w) for w in found}
    score = 0.0
    for term in terms:
        if term in whole or stem(term) in whole:
            score += 2
        elif any(w.startswith(term) for w in found):
            score += 1
        else:
            score += 0.5
    return score


def message_search(
    *, viewer: User, terms: list[str], room: Room | None = None, limit: int = SEARCH_LIMIT
) -> list[Message]:
    """Messages of the viewer's rooms (or of one of them) containing every term, best first.

    Every term is a case-insensitive substring (on PostgreSQL answered by the
    trigram index ``chat_message_body_trgm``). Of the newest
    ``SEARCH_CANDIDATES`` matches, those with the terms as whole words come
    first (``message_relevance``, kept as ``search_score``), newer before
    older. Deleted messages stay out. ``room`` must already have passed
    ``access_room``. Each message comes with its room and, for direct rooms,
    the room's members (``room_title`` names it without another query). Two
    queries, however many messages match.
    """
    return message_search_head(viewer=viewer, terms=terms, room=room, limit=limit)[0]


def message_search_head(
    *, viewer: User, terms: list[str], room: Room | None = None, limit: int = SEARCH_LIMIT
) -> tuple[list[Message], int | None]:
    """``message_search``, and how many messages match in all where its candidates
    are all of them (no more than ``SEARCH_CANDIDATES``), else None. The same two
    queries (the first reads one row more than it ranks, to tell)."""
    if not terms:
        return [], 0
    wanted = max(limit, SEARCH_CANDIDATES)
    candidates = _newest_matches(viewer=viewer, terms=terms, room=room, n=wanted + 1)
    matches = len(candidates) if len(candidates) <= wanted else None
    candidates = candidates[:wanted]
    if not candidates:
        return [], matches
    scores = {pk: message_relevance(body, terms) for pk, body in candidates}
    best = sorted(scores, key=lambda pk: (-scores[pk], -pk))[:limit]
    return _messages_with_rooms(best, scores), matches


# PostgreSQL: the newest this many messages are read first, along the key; older
# ones only where these hold too few matches (see ``_newest_matches``).
RECENT_MESSAGES = 5_000
# Where the newest hold at least this many matches (the words are common: here 0.4 %),
# the next this many messages are read along the key too, before the index.
DENSE_MATCHES = 20
WALK_MESSAGES = 40_000


def _newest_matches(
    *, viewer: User, terms: list[str], room: Room | None, n: int
) -> list[tuple[int, str]]:
    """(pk, body) of the newest ``n`` messages of the viewer's rooms holding every term.

    On PostgreSQL in one query of up to three parts: first among the newest
    ``RECENT_MESSAGES`` of all rooms, read along the primary key with the terms
    as plain conditions (``strpos``, the same case-insensitive substring as
    ``icontains``, which the trigram index cannot answer); only where those
    hold fewer than ``n``, the older ones. Where the newest held at least
    ``DENSE_MATCHES`` (words common together), the next ``WALK_MESSAGES`` are
    read along the key as well, and only then the rest through the trigram
    index; otherwise the index at once. The planner cannot tell how many
    messages hold words that often come together ("VIS-Suite": 68,000 of a
    million, estimated 2,700; "Erfahrungen mit enaio": 14,400, estimated 1,100)
    and would otherwise read all of them through the index to sort them; this
    way a common word costs at most a walk through the newer messages, a rare
    one the index.
    """
    matches = _message_matches(viewer=viewer, terms=terms, room=room)
    if connection.vendor != "postgresql":
        return list(matches.order_by("-pk").values_list("pk", "body")[:n])
    # Bounds and whether the words are common, from the common table expressions below.
    recent_bound = RawSQL("(SELECT recent FROM bounds)", [], output_field=BigIntegerField())
    walked_bound = RawSQL(
        "(SELECT CASE WHEN dense.yes THEN walked ELSE recent END FROM bounds, dense)",
        [],
        output_field=BigIntegerField(),
    )
    dense = RawSQL("(SELECT yes FROM dense)", [], output_field=BooleanField())
    # The newest: the rooms joined, as the planner likes it for a short walk. The walk
    # beyond: the rooms as an array, a condition on each message read along the key that
    # keeps its order (the planner, expecting few rows in the range, would join them by
    # hash and read the whole range to sort it); "+ 0", so that no index by room (and
    # number) answers it instead.
    rooms = rooms_searchable_by(viewer)
    try:
        rooms_sql, rooms_params = rooms.values("pk").query.get_compiler(using=rooms.db).as_sql()
    except EmptyResultSet:
        return []
    in_rooms = RawSQL(  # noqa: S611 (compiled SQL)
        f'("chat_message"."room_id" + 0) = ANY(ARRAY({rooms_sql}))',
        rooms_params,
        output_field=BooleanField(),
    )
    along_key = Message.objects.filter(deleted_at__isnull=True)
    if room is not None:
        along_key = along_key.filter(room=room)
    for term in terms:
        along_key = along_key.filter(
            RawSQL(
                'strpos(upper("chat_message"."body"), upper(%s)) > 0',
                [term],
                output_field=BooleanField(),
            )
        )
    parts = [
        along_key.filter(room__in=rooms, pk__gte=recent_bound),
        along_key.filter(in_rooms, dense, pk__gte=walked_bound, pk__lt=recent_bound),
        matches.filter(pk__lt=walked_bound),
    ]
    compiled = []
    for part in parts:
        limited = part.order_by("-pk").values_list("pk", "body")[:n]
        compiled.append(limited.query.get_compiler(using=limited.db).as_sql())
    (recent_sql, recent_params), (walk_sql, walk_params), (older_sql, older_params) = compiled
    newest = "SELECT id FROM chat_message ORDER BY id DESC LIMIT 1 OFFSET %s"
    sql = (
        # Ids follow the sending order; the walk's bound need not be exact (the parts
        # meet wherever it lies), so it is counted back from the other, not looked up.
        f"WITH bounds AS MATERIALIZED (SELECT recent, recent - %s AS walked"  # noqa: S608
        f" FROM (SELECT COALESCE(({newest}), 0) AS recent OFFSET 0) AS newest_bound),"
        f" newest AS MATERIALIZED ({recent_sql}),"
        " dense AS MATERIALIZED (SELECT COUNT(*) >= %s AS yes FROM newest)"
        " (SELECT * FROM newest ORDER BY 1 DESC)"
        f" UNION ALL ({walk_sql}) UNION ALL ({older_sql}) LIMIT %s"
    )
    params = [
        WALK_MESSAGES,
        RECENT_MESSAGES,
        *recent_params,
        DENSE_MATCHES,
        *walk_params,
        *older_params,
        n,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Each later part runs only when the ones before gave fewer than n rows.
    return sorted(rows, key=lambda row: -row[0])


def _message_matches(*, viewer: User, terms: list[str], room: Room | None = None):
    """Every message of the viewer's rooms (or of one) containing every term, unordered."""
    messages = Message.objects.filter(deleted_at__isnull=True, room__in=rooms_searchable_by(viewer))
    if room is not None:
        messages = messages.filter(room=room)
    for term in terms:
        messages = messages.filter(body__icontains=term)
    return messages


def _messages_with_rooms(pks: list[int], scores: dict[int, float]) -> list[Message]:
    """The messages ``pks`` in that order, with what ``room_title`` needs (two queries)."""
    if not pks:
        return []
    found = (
        Message.objects.select_related("author", "room")
        .prefetch_related(
            Prefetch(
                "room__memberships",
                queryset=RoomMembership.objects.filter(
                    room__kind=RoomKind.DIRECT, left_at__isnull=True
                ).select_related("member"),
                to_attr="direct_memberships",
            )
        )
        .in_bulk(pks)
    )
    for message in found.values():
        message.search_score = scores.get(message.pk, 0.0)
    return [found[pk] for pk in pks if pk in found]


def message_search_page(*, viewer: User, terms: list[str], start: int, stop: int) -> list[Message]:
    """Messages [start:stop] of all the viewer's matches, for paging through every one.

    First the newest ``SEARCH_CANDIDATES`` matches as ``message_search`` ranks
    them, then the older matches, newest first, with ``search_score`` 0: the
    order is the same whichever page asks, so each match comes once. At most
    four queries, however deep the page.
    """
    if not terms or stop <= start:
        return []
    found = []
    if start < SEARCH_CANDIDATES:
        head = message_search(viewer=viewer, terms=terms, limit=min(stop, SEARCH_CANDIDATES))
        found += head[start:]
    if stop > SEARCH_CANDIDATES:
        older = list(
            _message_matches(viewer=viewer, terms=terms)
            .order_by("-pk")
            .values_list("pk", flat=True)[max(start, SEARCH_CANDIDATES) : stop]
        )
        found += _messages_with_rooms(older, {})
    return found


def message_match_count(*, viewer: User, terms: list[str]) -> int:
    """How many of the viewer's messages contain every term (one COUNT)."""
    return _message_matches(viewer=viewer, terms=terms).count() if terms else 0


def messages_around(*, room: Room, seq: int, limit: int = PAGE_SIZE) -> tuple[list[Message], bool]:
    """About ``limit`` messages around ``seq`` (the one a search jumped to), oldest first,
    and whether older ones exist."""
    older, has_more = messages_before(room=room, before=seq + 1, limit=limit // 2)
    newer, _ = messages_after(room=room, after=seq, limit=limit // 2)
    return older + newer, has_more


def unread_room_count(*, member: User) -> int:
    """How many of the member's rooms hold messages they have not read (the
    navigation's "Chat" item): one COUNT, however many rooms and messages.

    The member's rooms as the room list shows them, among those with a
    membership row (rooms opened or joined; open rooms never visited count
    not): membership rooms while a member, the network's rooms, and the room
    of the member's own municipality. Muted and left rooms stay out.
    """
    if not member.is_authenticated or not member.is_active:
        return 0
    can_open = (
        Q(room__kind__in=MEMBERSHIP_KINDS)
        | Q(room__kind=RoomKind.NETWORK)
        | Q(room__kind=RoomKind.MUNICIPALITY, room__municipality_id=member.municipality_id)
    )
    return RoomMembership.objects.filter(
        can_open,
        member=member,
        left_at__isnull=True,
        muted=False,
        room__last_seq__gt=F("last_read_seq"),
    ).count()


def unread_room_counts(*, member_ids: Iterable[int]) -> dict[int, int]:
    """``unread_room_count`` for many members in one GROUP BY (the live navigation).

    Members without an unread room (or inactive ones) are missing: 0.
    """
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    can_open = (
        Q(room__kind__in=MEMBERSHIP_KINDS)
        | Q(room__kind=RoomKind.NETWORK)
        | Q(room__kind=RoomKind.MUNICIPALITY, room__municipality_id=F("member__municipality_id"))
    )
    rows = (
        RoomMembership.objects.filter(
            can_open,
            member_id__in=ids,
            member__is_active=True,
            left_at__isnull=True,
            muted=False,
            room__last_seq__gt=F("last_read_seq"),
        )
        .values("member_id")
        .annotate(rooms=Count("pk"))
        .order_by()
    )
    return {row["member_id"]: row["rooms"] for row in rows}
