"""Reads of the community app, as querysets ready for their pages and endpoints."""

from datetime import UTC, datetime
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
from django.utils.translation import gettext

from community.authentication import idle_cutoff
from community.models import (
    ApiToken,
    EmailDomain,
    Expertise,
    Invitation,
    MemberExpertise,
    Municipality,
    OidcProvider,
    Passkey,
    Project,
    ProjectInvitation,
    RecoveryCode,
    Role,
    Tool,
    TotpDevice,
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


def fields_of(*, member: User) -> QuerySet[Expertise]:
    """The fields a member declared expertise in or wants to learn (a subquery of ids)."""
    return Expertise.objects.filter(
        Q(Exists(MemberExpertise.objects.filter(expertise=OuterRef("pk"), member=member.pk)))
        | Q(
            Exists(
                User.learning_interests.through.objects.filter(
                    expertise=OuterRef("pk"), user=member.pk
                )
            )
        )
    ).values("pk")


def members_new_in_fields(*, viewer: User, since, limit: int = 5) -> list[User]:
    """Active members who joined since ``since`` with expertise in one of the viewer's fields."""
    in_fields = MemberExpertise.objects.filter(
        member=OuterRef("pk"), expertise__in=fields_of(member=viewer)
    )
    members = (
        member_list(viewer=viewer)
        .filter(Exists(in_fields), date_joined__gte=since)
        .exclude(pk=viewer.pk)
        .order_by("-date_joined", "-pk")
    )
    return list(members[:limit])


def projects_new_in_fields(*, viewer: User, since, limit: int = 5) -> list[Project]:
    """Projects the viewer may open, started on the platform since ``since``, with someone
    taking part who has expertise in one of the viewer's fields; not the viewer's own."""
    in_fields = MemberExpertise.objects.filter(
        member__projects=OuterRef("pk"), expertise__in=fields_of(member=viewer)
    )
    mine = Project.members.through.objects.filter(project=OuterRef("pk"), user=viewer.pk)
    projects = (
        Project.objects.select_related("municipality")
        .filter(pk__in=project_list(viewer=viewer).values("pk"))
        .filter(Exists(in_fields), created_at__gte=since)
        .exclude(Exists(mine))
        .exclude(created_by=viewer.pk)
        .order_by("-created_at", "-pk")
    )
    return list(projects[:limit])


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


def member_second_factors(*, member: User) -> dict:
    """What protects the member's sign-in: the authenticator app, passkeys, unused codes."""
    return {
        "totp": TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).first(),
        "passkeys": list(Passkey.objects.filter(user=member).order_by("created_at", "pk")),
        "recovery_left": RecoveryCode.objects.filter(user=member, used_at__isnull=True).count(),
    }


TOTP_STEP_SECONDS = 30


def municipality_oidc_provider(*, municipality: Municipality) -> OidcProvider | None:
    """The municipality's provider, approved or proposed, with who proposed and approved."""
    return (
        OidcProvider.objects.select_related("proposed_by", "approved_by")
        .filter(municipality=municipality)
        .first()
    )


def member_factor_list(*, member: User) -> list[dict]:
    """The member's second factors as the API and the data export list them: kind, name,
    when added and last used. Never a secret, a public key or a recovery code's hash."""
    factors = [
        {
            "kind": "totp",
            "id": None,
            "name": gettext("Authenticator-App"),
            "created_at": device["confirmed_at"],
            # The 30-second step of the last accepted code: when it was used, to the step.
            "last_used_at": None
            if device["last_used_step"] is None
            else datetime.fromtimestamp(device["last_used_step"] * TOTP_STEP_SECONDS, UTC),
        }
        for device in TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).values(
            "confirmed_at", "last_used_step"
        )
    ]
    factors += [
        {"kind": "passkey", **passkey}
        for passkey in Passkey.objects.filter(user=member)
        .order_by("created_at", "pk")
        .values("id", "name", "created_at", "last_used_at")
    ]
    return factors


def member_pending_totp(*, member: User) -> TotpDevice | None:
    """The authenticator app being set up, not yet confirmed."""
    return TotpDevice.objects.filter(user=member, confirmed_at__isnull=True).first()


def active_member_by_pk(pk) -> User | None:
    """An active member by primary key, or None for anything else."""
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
