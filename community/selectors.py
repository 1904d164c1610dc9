"""Reads of the community app, as querysets ready for their pages and endpoints."""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest, Least
from django.utils.translation import gettext as _

from community.models import (
    ApiToken,
    EmailDomain,
    Expertise,
    Invitation,
    MemberExpertise,
    MemberSearchDocument,
    Municipality,
    Project,
    ProjectInvitation,
    Role,
    Tool,
    User,
)
from community.search import get_backend
from community.search.text import fold, query_terms, stem, words
from core.addresses import email_domain
from core.text import german_slugify
from core.tokens import hash_token
from files.models import StoredFile


def municipality_list() -> QuerySet[Municipality]:
    # Meta.ordering does not apply to GROUP BY queries; order explicitly.
    return (
        Municipality.objects.prefetch_related("email_domains")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name", "pk")
    )


def member_api_tokens(*, member: User) -> QuerySet[ApiToken]:
    """The member's API tokens that have not expired, most recently used first."""
    from community.authentication import idle_cutoff

    tokens = ApiToken.objects.filter(user=member).order_by("-last_used_at", "-pk")
    cutoff = idle_cutoff()
    return tokens.filter(last_used_at__gte=cutoff) if cutoff is not None else tokens


def invitable_municipalities(*, user: User) -> QuerySet[Municipality]:
    """Where a user may invite: administrators everywhere, coordinators at home."""
    if user.is_network_admin:
        return Municipality.objects.all()
    if user.role == Role.COORDINATOR and user.is_active and user.municipality_id:
        return Municipality.objects.filter(pk=user.municipality_id)
    return Municipality.objects.none()


def member_list(*, viewer: User, include_inactive: bool = False) -> QuerySet[User]:
    """Members a viewer may see: active ones; administrators also see deactivated ones."""
    members = User.objects.select_related("municipality")
    if not (include_inactive and viewer.is_network_admin):
        members = members.filter(is_active=True)
    return members


@dataclass(frozen=True)
class MemberSearch:
    members: "RankedMembers"
    intent: "SearchIntent"

    def reasons(self, member: User) -> list[str]:
        return explain_matches(member, self.intent)


@dataclass(frozen=True)
class SearchIntent:
    """What a directory search is about, read once from the query and filters."""

    terms: list[str]
    expertise_ids: frozenset[int]
    tool_ids: frozenset[int]
    kind: str
    #: The ``expertise`` and ``tool`` filters as ids; None: asked for but unknown.
    expertise_filter: int | None = None
    tool_filter: int | None = None


def _search_intent(*, q: str, expertise: str, tool: str, kind: str) -> SearchIntent:
    terms = query_terms(q)
    folded = {fold(t) for t in terms}
    stems = {stem(t) for t in terms}
    expertise_ids = set()
    expertise_filter = None
    for field in Expertise.objects.only("pk", "slug", "name"):
        words_of_field = {fold(w) for w in words(field.name)} | {stem(w) for w in words(field.name)}
        if field.slug == expertise:
            expertise_filter = field.pk
        if field.slug == expertise or (words_of_field & (folded | stems)) - {"e"}:
            expertise_ids.add(field.pk)
    tool_keys = {german_slugify(t) for t in terms}
    if len(terms) > 1:
        tool_keys.add(german_slugify(" ".join(terms)))
    if tool:
        tool_keys.add(tool)
    tool_ids, tool_filter = set(), None
    if tool_keys - {""}:
        for pk, key in Tool.objects.filter(key__in=tool_keys).values_list("pk", "key"):
            tool_ids.add(pk)
            if key == tool:
                tool_filter = pk
    return SearchIntent(
        terms, frozenset(expertise_ids), frozenset(tool_ids), kind, expertise_filter, tool_filter
    )


def _json_int(column: str, key: str):
    """An integer stored under ``key`` in a JSON column of the search document, or 0."""
    return Coalesce(Cast(KT(f"{column}__{key}"), IntegerField()), Value(0))


def _level_score(intent: SearchIntent):
    """The best declared level in a searched field (from the document's ``levels``)."""
    levels = [_json_int("levels", f"e{pk}") for pk in sorted(intent.expertise_ids)]
    if not levels:
        return Value(0)
    return levels[0] if len(levels) == 1 else Greatest(*levels)


def _forum_answers(intent: SearchIntent):
    """Accepted forum answers in threads tagged with a searched field (evidence too).

    Read live rather than from the document, in one query over the few solved
    threads of these fields: the forum marks solutions without reindexing.
    The score then needs only ``member_id IN (…)`` per document.
    """
    from forum.models import Thread

    if not intent.expertise_ids:
        return None
    counts = (
        Thread.objects.filter(
            solution__isnull=False,
            solution__author__isnull=False,
            solution__deleted_at__isnull=True,
            solution__hidden=False,
            tags__in=intent.expertise_ids,
        )
        .order_by()
        .values("solution__author")
        .annotate(n=Count("pk", distinct=True))
        .values_list("solution__author", "n")
    )
    by_count: dict[int, list[int]] = {}
    for author_id, n in counts:
        by_count.setdefault(min(n, MAX_EVIDENCE), []).append(author_id)
    if not by_count:
        return None
    return Case(
        *[When(member_id__in=ids, then=Value(n)) for n, ids in sorted(by_count.items())],
        default=Value(0),
    )


def _evidence_score(intent: SearchIntent):
    """Evidence that proves the matter: published projects with a searched tool or of the
    kind asked for, and accepted forum answers in the searched field.

    Projects are counted from the document's ``evidence``: per tool, per kind and
    per kind and tool, so a project of that kind with that tool counts once.
    """
    parts = []
    for pk in sorted(intent.tool_ids):
        parts.append(_json_int("evidence", f"t{pk}"))
    if intent.kind:
        parts.append(_json_int("evidence", f"k{intent.kind}"))
        for pk in sorted(intent.tool_ids):
            parts.append(-_json_int("evidence", f"k{intent.kind}t{pk}"))
    answers = _forum_answers(intent)
    if answers is not None:
        parts.append(answers)
    if not parts:
        return Value(0)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return Least(total, Value(MAX_EVIDENCE))


# How the parts of a directory match add up: a declared expert outranks a
# passing mention; two projects with the tool outrank a bio that names it.
WEIGHT_TEXT = 4.0
WEIGHT_LEVEL = 1.5
WEIGHT_EVIDENCE = 1.0
MAX_EVIDENCE = 3
# Several words must all match; only when that leaves fewer than this many
# members does any of them do ("enaio Einführung" is about enaio).
MIN_ALL_TERMS_HITS = 10
# Counting stops here: a search does not walk 17,000 matches to say how many.
COUNT_LIMIT = 1000


def _search_documents(
    *,
    intent: SearchIntent,
    expertise: str,
    level: int | None,
    municipality: str,
    state: str,
    kind: str,
    tool: str,
) -> QuerySet[MemberSearchDocument]:
    """The search documents of active members that pass the filters."""
    documents = MemberSearchDocument.objects.filter(is_active=True)
    if municipality:
        documents = documents.filter(municipality__slug=municipality)
    if state:
        documents = documents.filter(state=state)
    if expertise:
        if intent.expertise_filter is None:
            return documents.none()
        key = f"e{intent.expertise_filter}"
        documents = documents.filter(levels__has_key=key)
        if level:
            documents = documents.alias(filter_level=_json_int("levels", key)).filter(
                filter_level__gte=level
            )
    elif level:
        documents = documents.filter(max_level__gte=level)
    if kind:
        documents = documents.filter(evidence__has_key=f"k{kind}")
    if tool:
        if intent.tool_filter is None:
            return documents.none()
        documents = documents.filter(evidence__has_key=f"t{intent.tool_filter}")
    return documents


def _capped_count_sql(documents: QuerySet) -> tuple[str, list]:
    limited = documents.order_by().values("pk")[: COUNT_LIMIT + 1]
    try:
        sql, params = limited.query.get_compiler(using=limited.db).as_sql()
    except EmptyResultSet:  # a filter no document can match (an unknown expertise)
        return "0", []
    return f"(SELECT COUNT(*) FROM ({sql}) AS limited)", list(params)  # noqa: S608 (compiled)


class RankedMembers:
    """The members of a search, ranked on the search documents, loaded a page at a time.

    Sliceable and countable as Django's ``Paginator`` and DRF expect: a slice
    runs one ranked query with LIMIT/OFFSET on the documents and then loads the
    members of that page with what their cards and reasons need. The count
    stops at ``COUNT_LIMIT`` (``count_is_capped`` says so). ``RankedPaginator``
    fetches the page first: the ranked query then counts the matches as well
    (it ranks all of them anyway), and no separate count runs.
    """

    def __init__(self, documents: QuerySet, *, count: int | None = None, scored: bool = False):
        self.documents = documents
        #: Ordered by a score computed per document (not the plain directory by name).
        self.scored = scored
        self._count = count
        self._fetched: tuple[int, int | None, list[User]] | None = None

    def count(self) -> int:
        if self._count is None:
            try:
                sql, params = _capped_count_sql(self.documents)
            except EmptyResultSet:  # documents.none(): an expertise or tool nobody has
                self._count = 0
                return 0
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {sql}", params)
                self._count = cursor.fetchone()[0]
        return min(self._count, COUNT_LIMIT)

    @property
    def count_is_capped(self) -> bool:
        self.count()
        return self._count > COUNT_LIMIT

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[0:])

    def fetch(self, start: int, stop: int) -> None:
        """Load the slice [start:stop] now, and the number of matches with it."""
        self._fetched = (start, stop, self._load(start, stop, with_total=True))

    def __getitem__(self, key):
        if isinstance(key, int):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step is not None or (key.start or 0) < 0 or (key.stop or 0) < 0:
            raise ValueError("only plain slices")
        start = key.start or 0
        if key.stop is not None and key.stop <= start:
            return []
        if self._fetched is not None:
            first, last, page = self._fetched
            if first <= start and key.stop is not None and (last is None or key.stop <= last):
                return page[start - first : key.stop - first]
        return self._load(start, key.stop)

    def _load(self, start: int, stop: int | None, *, with_total: bool = False) -> list[User]:
        documents = self.documents
        if with_total and self.scored:
            ranked = _ranked_with_total(documents, start, stop)
        elif with_total:
            documents = documents.annotate(matches=Window(Count("*")))
            ranked = list(documents.values_list("member_id", "score", "matches")[start:stop])
        else:
            ranked = list(documents.values_list("member_id", "score")[start:stop])
        if not ranked:
            return []
        if with_total:
            self._count = ranked[0][2]
        members = _page_members([row[0] for row in ranked])
        page = []
        for pk, score, *_matches in ranked:
            member = members.get(pk)
            if member is None:  # deactivated behind the services' back (e.g. in the admin)
                continue
            member.score = score
            member.search_projects = member.search_projects or []
            page.append(member)
        return page


def _ranked_with_total(documents: QuerySet, start: int, stop: int | None) -> list[tuple]:
    """Rows [start:stop] of a ranking as (member_id, score, matches), where ``matches``
    counts all documents of the ranking.

    ``COUNT(*) OVER ()`` keeps every match until it has counted them all, and
    PostgreSQL computes the other expressions of a query above such a window:
    each match would pass it with the columns its score is made of, the
    tsvector (~0.5 kB) among them, spilling to disk beyond a few thousand
    matches. Ranked in a subquery below the window (OFFSET 0 keeps it from
    being pulled up), only the id, the score and the name pass it.
    """
    order = [
        (name.lstrip("-"), "DESC" if name.startswith("-") else "ASC")
        for name in documents.query.order_by
    ]
    columns = list(dict.fromkeys(["member_id", "score", *(name for name, _ in order)]))
    inner = documents.order_by().values(*columns)
    try:
        sql, params = inner.query.get_compiler(using=inner.db).as_sql()
    except EmptyResultSet:  # documents.none(): an expertise or tool nobody has
        return []
    fence = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
    qn = connection.ops.quote_name
    ordering = ", ".join(f"{qn(name)} {direction}" for name, direction in order)
    limits = connection.ops.limit_offset_sql(start, stop)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, score, COUNT(*) OVER () FROM ({sql} {fence}) AS ranked"  # noqa: S608 (compiled)
            f" ORDER BY {ordering} {limits}",
            params,
        )
        return cursor.fetchall()


class RankedPaginator(Paginator):
    """Django's paginator, which lets a ``RankedMembers`` count its matches in the
    query that ranks the page (one query fewer, the slowest part of a search)."""

    def page(self, number):
        ranked = self.object_list
        if isinstance(ranked, RankedMembers) and "count" not in self.__dict__:
            try:
                wanted = int(number)
            except (TypeError, ValueError):
                wanted = 0  # Django refuses it below
            bottom = (wanted - 1) * self.per_page
            if 0 <= bottom < COUNT_LIMIT:  # beyond the count's limit no page exists
                ranked.fetch(bottom, bottom + self.per_page)
        return super().page(number)


def _page_members(ids: list[int]) -> dict[int, User]:
    """The active members of one page, with the projects of their search documents
    (read here for the page only, not carried through the ranking of all matches)."""
    return (
        User.objects.filter(is_active=True)
        .select_related("municipality")
        .annotate(search_projects=F("search_document__projects"))
        .prefetch_related(
            Prefetch(
                "expertise_entries",
                queryset=MemberExpertise.objects.select_related("expertise").order_by("-level"),
            )
        )
        .in_bulk(ids)
    )


def member_search(
    *,
    viewer: User,
    q: str = "",
    expertise: str = "",
    level: int | None = None,
    municipality: str = "",
    state: str = "",
    kind: str = "",
    tool: str = "",
) -> MemberSearch:
    """Members ranked by declared expertise, evidence in projects, and text relevance.

    Filters and ranking read ``MemberSearchDocument`` alone; several words must
    all match unless that finds fewer than ``MIN_ALL_TERMS_HITS``. Each result
    carries ``score``; ``MemberSearch.reasons`` says why it matched.
    """
    intent = _search_intent(q=q, expertise=expertise, tool=tool, kind=kind)
    documents = _search_documents(
        intent=intent,
        expertise=expertise,
        level=level,
        municipality=municipality,
        state=state,
        kind=kind,
        tool=tool,
    )
    count = None
    if intent.terms:
        backend = get_backend()
        query = backend.prepare(intent.terms)
        matching = backend.search(documents, query, all_terms=True)
        if len(query.groups) > 1:
            # Both counts in one query; the wider one only when it serves as fallback.
            any_term = backend.search(documents, query, all_terms=False)
            all_sql, all_params = _capped_count_sql(matching)
            any_sql, any_params = _capped_count_sql(any_term)
            # OFFSET 0 keeps PostgreSQL from inlining (and so counting twice) ``n``.
            fence = "LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else "OFFSET 0"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT n, CASE WHEN n < %s THEN {any_sql} END"  # noqa: S608 (compiled)
                    f" FROM (SELECT {all_sql} AS n {fence}) AS all_terms",
                    [MIN_ALL_TERMS_HITS, *any_params, *all_params],
                )
                all_count, any_count = cursor.fetchone()
            count = all_count
            if all_count < MIN_ALL_TERMS_HITS:
                matching, count = any_term, any_count
        documents = matching
    else:
        documents = documents.annotate(text_rank=Value(0.0, output_field=FloatField()))
    if not (intent.terms or intent.expertise_ids or intent.tool_ids or intent.kind):
        # The plain directory: by name, along the index searchdoc_directory.
        documents = documents.annotate(score=Value(0.0, output_field=FloatField())).order_by(
            "display_name", "member_id"
        )
        return MemberSearch(RankedMembers(documents, count=count), intent)
    documents = documents.annotate(
        score=ExpressionWrapper(
            F("text_rank") * WEIGHT_TEXT
            + _level_score(intent) * WEIGHT_LEVEL
            + _evidence_score(intent) * WEIGHT_EVIDENCE,
            output_field=FloatField(),
        )
    ).order_by("-score", "display_name", "member_id")
    return MemberSearch(RankedMembers(documents, count=count, scored=True), intent)


def explain_matches(member: User, intent: SearchIntent, limit: int = 3) -> list[str]:
    """Why a member matched, for people: "Expert:in: E-Akte/DMS · Projekt: … in Wetzlar"."""
    reasons = []
    for entry in member.expertise_entries.all():
        if entry.expertise_id in intent.expertise_ids:
            reasons.append(f"{entry.get_level_display()}: {entry.expertise.name}")
    folded_terms = {fold(t) for t in intent.terms}
    stems = {stem(t) for t in intent.terms}
    for title, place, kind, tool_ids in getattr(member, "search_projects", []):
        title_words = {stem(w) for w in words(title)}
        if (
            set(tool_ids) & intent.tool_ids
            or (intent.kind and kind == intent.kind)
            or title_words & stems
        ):
            reasons.append(
                _("Projekt: %(title)s in %(municipality)s")
                % {"title": title, "municipality": place}
            )
    if not reasons:
        for label, value in (
            (_("Funktion"), member.position),
            (_("Fachbereich"), member.department),
        ):
            if value and {fold(w) for w in words(value)} & folded_terms:
                reasons.append(f"{label}: {value}")
    if not reasons and intent.terms and member.bio:
        reasons.append(_("erwähnt es in „Über mich“"))
    return reasons[:limit]


def expertise_list() -> QuerySet[Expertise]:
    return Expertise.objects.all()


def project_list(*, viewer: User) -> QuerySet[Project]:
    """Published projects, and drafts of the viewer's own municipality (all for admins)."""
    projects = Project.objects.select_related("municipality").prefetch_related("tools")
    if viewer.is_network_admin:
        return projects
    return projects.filter(
        Q(is_published=True)
        | Q(municipality_id=viewer.municipality_id)
        # Those asked to take part (and who did) see the draft they were asked into.
        | Q(Exists(ProjectInvitation.objects.filter(project=OuterRef("pk"), member=viewer.pk)))
        | Q(Exists(Project.members.through.objects.filter(project=OuterRef("pk"), user=viewer.pk)))
    )


def project_invitation_of(*, project: Project, viewer: User):
    """The viewer's open invitation into this project, or None."""
    return (
        ProjectInvitation.objects.select_related("invited_by")
        .filter(project=project, member=viewer)
        .first()
    )


def project_invitations_open(*, project: Project) -> QuerySet[User]:
    """Who is asked and has not answered yet (shown to those who keep the project)."""
    return User.objects.filter(project_invitations__project=project, is_active=True).order_by(
        "display_name", "pk"
    )


def project_search(
    *,
    viewer: User,
    q: str = "",
    kind: str = "",
    status: str = "",
    tool: str = "",
    municipality: str = "",
    state: str = "",
) -> QuerySet[Project]:
    projects = project_list(viewer=viewer)
    if kind:
        projects = projects.filter(kind=kind)
    if status:
        projects = projects.filter(status=status)
    if tool:
        projects = projects.filter(tools__key=tool)
    if municipality:
        projects = projects.filter(municipality__slug=municipality)
    if state:
        projects = projects.filter(municipality__state=state)
    for term in query_terms(q)[:6]:
        projects = projects.filter(
            Q(title__icontains=term)
            | Q(body__icontains=term)
            | Q(lessons_learned__icontains=term)
            | Q(tools__name__icontains=term)
        )
    return projects.distinct()


def project_detail_queryset(*, viewer: User) -> QuerySet[Project]:
    return project_list(viewer=viewer).prefetch_related(
        "links",
        Prefetch("members", queryset=User.objects.filter(is_active=True)),
        Prefetch("attachments", queryset=StoredFile.objects.defer("text")),
    )


def tool_usage(*, viewer: User, tool: Tool) -> QuerySet[Project]:
    """Who already uses a tool: its projects with their municipalities ("wer nutzt X schon?")."""
    return (
        project_list(viewer=viewer)
        .filter(tools=tool)
        .prefetch_related(Prefetch("members", queryset=User.objects.filter(is_active=True)))
        .order_by("municipality__name", "title")
    )


def tool_list() -> QuerySet[Tool]:
    return Tool.objects.annotate(
        project_count=Count("projects", filter=Q(projects__is_published=True), distinct=True)
    ).order_by("name")


# --- notifications --------------------------------------------------------------
def notification_list(*, member: User):
    from community.models import Notification

    return Notification.objects.filter(recipient=member).order_by("-created_at", "-pk")


def notification_unread_count(*, member: User) -> int:
    from community.models import Notification

    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


def project_chat_room(*, project: Project, viewer: User):
    """The project's chat room, if the viewer is in it (the project's members)."""
    from chat.models import RoomKind
    from chat.selectors import object_room_for

    return object_room_for(kind=RoomKind.PROJECT, object_id=project.pk, viewer=viewer)


# --- onboarding (moved from community.services: they only read) ------------
def municipality_for_email(email: str) -> Municipality | None:
    domain = (
        EmailDomain.objects.select_related("municipality")
        .filter(domain=email_domain(email))
        .first()
    )
    return domain.municipality if domain else None


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation behind a link, or None for unknown, used or expired links."""
    invitation = (
        Invitation.objects.select_related("member", "member__municipality")
        .filter(token_hash=hash_token(token or ""), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return None
    return invitation
