"""Reads of the community app, as querysets ready for their pages and endpoints."""

from django.db.models import Count, Q, QuerySet

from community.models import Municipality, Role, User


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


def member_search(
    *,
    viewer: User,
    q: str = "",
    municipality: str = "",
    state: str = "",
) -> QuerySet[User]:
    members = member_list(viewer=viewer)
    if municipality:
        members = members.filter(municipality__slug=municipality)
    if state:
        members = members.filter(municipality__state=state)
    for word in q.split()[:10]:
        members = members.filter(
            Q(display_name__icontains=word)
            | Q(department__icontains=word)
            | Q(position__icontains=word)
            | Q(municipality__name__icontains=word)
        )
    return members
