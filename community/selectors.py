"""Reads of the community app, as querysets ready for their pages and endpoints."""

from functools import reduce
from operator import or_

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from community.authentication import idle_cutoff
from community.models import (
    ApiToken,
    EmailDomain,
    Expertise,
    Invitation,
    Municipality,
    Project,
    ProjectInvitation,
    Role,
    Tool,
    User,
)
from core.addresses import email_domain
from core.search_text import query_terms
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
    terms = query_terms(q)[:6]
    if terms:
        # The projects with a tool of a matching name, read first (one query): as a
        # list of ids the condition can join the indexes of the texts (on PostgreSQL a
        # BitmapOr of trigram indexes, community migration 0016) instead of a
        # subquery per project, and no join repeats a project per tool.
        uses = Project.tools.through.objects.filter(
            reduce(or_, [Q(tool__name__icontains=t) for t in terms])
        ).values_list("tool__name", "project_id")
        with_tool: dict[str, set[int]] = {t: set() for t in terms}
        for name, project_id in uses:
            for term in terms:
                if term.casefold() in name.casefold():
                    with_tool[term].add(project_id)
        for term in terms:
            projects = projects.filter(
                Q(title__icontains=term)
                | Q(body__icontains=term)
                | Q(lessons_learned__icontains=term)
                | Q(pk__in=sorted(with_tool[term]))
            )
    return projects


def project_detail_queryset(*, viewer: User) -> QuerySet[Project]:
    return project_list(viewer=viewer).prefetch_related(
        "links",
        Prefetch("members", queryset=User.objects.filter(is_active=True)),
        Prefetch("attachments", queryset=StoredFile.objects.defer("text")),
    )


def tool_list() -> QuerySet[Tool]:
    return Tool.objects.annotate(
        project_count=Count("projects", filter=Q(projects__is_published=True), distinct=True)
    ).order_by("name")


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
