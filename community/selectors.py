"""Reads of the community app, as querysets ready for their pages and endpoints."""

from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from community.models import (
    Expertise,
    MemberExpertise,
    Municipality,
    Project,
    Role,
    Tool,
    User,
)
from community.search import get_backend
from community.search.text import fold, query_terms, stem, words
from community.services import german_slugify


def municipality_list() -> QuerySet[Municipality]:
    # Meta.ordering does not apply to GROUP BY queries; order explicitly.
    return (
        Municipality.objects.prefetch_related("email_domains")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name", "pk")
    )


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
    members: QuerySet
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


def _search_intent(*, q: str, expertise: str, tool: str, kind: str) -> SearchIntent:
    terms = query_terms(q)
    folded = {fold(t) for t in terms}
    stems = {stem(t) for t in terms}
    expertise_ids = set()
    for field in Expertise.objects.only("pk", "slug", "name"):
        words_of_field = {fold(w) for w in words(field.name)} | {stem(w) for w in words(field.name)}
        if field.slug == expertise or (words_of_field & (folded | stems)) - {"e"}:
            expertise_ids.add(field.pk)
    tool_keys = {german_slugify(t) for t in terms}
    if len(terms) > 1:
        tool_keys.add(german_slugify(" ".join(terms)))
    if tool:
        tool_keys.add(tool)
    tool_ids = set(Tool.objects.filter(key__in=tool_keys).values_list("pk", flat=True))
    return SearchIntent(terms, frozenset(expertise_ids), frozenset(tool_ids), kind)


def _level_score(intent: SearchIntent):
    if not intent.expertise_ids:
        return Value(0)
    best = (
        MemberExpertise.objects.filter(member=OuterRef("pk"), expertise_id__in=intent.expertise_ids)
        .order_by("-level")
        .values("level")[:1]
    )
    return Coalesce(Subquery(best), Value(0))


def _forum_answers(intent: SearchIntent):
    """Accepted forum answers in threads tagged with a searched field (evidence too)."""
    from forum.models import Thread

    if not intent.expertise_ids:
        return None
    count = (
        Thread.objects.filter(
            solution__author=OuterRef("pk"),
            solution__deleted_at__isnull=True,
            solution__hidden=False,
            tags__in=intent.expertise_ids,
        )
        .order_by()
        .values("solution__author")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(count), Value(0))


def _evidence_score(intent: SearchIntent):
    """Evidence that proves the matter: published projects with a searched tool or of the
    kind asked for, and accepted forum answers in the searched field."""
    evidence = Q()
    if intent.tool_ids:
        evidence |= Q(project__tools__in=intent.tool_ids)
    if intent.kind:
        evidence |= Q(project__kind=intent.kind)
    answers = _forum_answers(intent)
    if not evidence and answers is None:
        return Value(0)
    total = Value(0)
    if evidence:
        through = Project.members.through
        count = (
            through.objects.filter(evidence, user_id=OuterRef("pk"), project__is_published=True)
            .order_by()
            .values("user_id")
            .annotate(n=Count("project_id", distinct=True))
            .values("n")
        )
        total = Coalesce(Subquery(count), Value(0))
    if answers is not None:
        total = total + answers
    return Least(total, Value(MAX_EVIDENCE))


# How the parts of a directory match add up: a declared expert outranks a
# passing mention; two projects with the tool outrank a bio that names it.
WEIGHT_TEXT = 4.0
WEIGHT_LEVEL = 1.5
WEIGHT_EVIDENCE = 1.0
MAX_EVIDENCE = 3


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

    Each result carries ``score``; ``MemberSearch.reasons`` says why it matched.
    """
    members = member_list(viewer=viewer)
    if municipality:
        members = members.filter(municipality__slug=municipality)
    if state:
        members = members.filter(municipality__state=state)
    if expertise or level:
        entries = MemberExpertise.objects.filter(member=OuterRef("pk"))
        if expertise:
            entries = entries.filter(expertise__slug=expertise)
        if level:
            entries = entries.filter(level__gte=level)
        members = members.filter(Exists(entries))
    published = Project.objects.filter(members=OuterRef("pk"), is_published=True)
    if kind:
        members = members.filter(Exists(published.filter(kind=kind)))
    if tool:
        members = members.filter(Exists(published.filter(tools__key=tool)))

    intent = _search_intent(q=q, expertise=expertise, tool=tool, kind=kind)
    if intent.terms:
        members = get_backend().search(members, intent.terms)
    else:
        members = members.annotate(text_rank=Value(0.0, output_field=FloatField()))
    members = members.annotate(
        level_score=_level_score(intent),
        evidence_score=_evidence_score(intent),
    ).annotate(
        score=ExpressionWrapper(
            F("text_rank") * WEIGHT_TEXT
            + F("level_score") * WEIGHT_LEVEL
            + F("evidence_score") * WEIGHT_EVIDENCE,
            output_field=FloatField(),
        )
    )
    members = members.prefetch_related(
        Prefetch(
            "expertise_entries",
            queryset=MemberExpertise.objects.select_related("expertise").order_by("-level"),
        ),
        Prefetch(
            "projects",
            queryset=Project.objects.filter(is_published=True)
            .select_related("municipality")
            .prefetch_related("tools"),
            to_attr="published_projects",
        ),
    )
    return MemberSearch(members.order_by("-score", "display_name", "pk"), intent)


def explain_matches(member: User, intent: SearchIntent, limit: int = 3) -> list[str]:
    """Why a member matched, for people: "Expert:in: E-Akte/DMS · Projekt: … in Wetzlar"."""
    reasons = []
    for entry in member.expertise_entries.all():
        if entry.expertise_id in intent.expertise_ids:
            reasons.append(f"{entry.get_level_display()}: {entry.expertise.name}")
    folded_terms = {fold(t) for t in intent.terms}
    stems = {stem(t) for t in intent.terms}
    for project in getattr(member, "published_projects", []):
        project_tools = {t.pk for t in project.tools.all()}
        title_words = {stem(w) for w in words(project.title)}
        if (
            project_tools & intent.tool_ids
            or (intent.kind and project.kind == intent.kind)
            or title_words & stems
        ):
            reasons.append(
                _("Projekt: %(title)s in %(municipality)s")
                % {"title": project.title, "municipality": project.municipality.name}
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
    return projects.filter(Q(is_published=True) | Q(municipality_id=viewer.municipality_id))


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
        "links", Prefetch("members", queryset=User.objects.filter(is_active=True))
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
