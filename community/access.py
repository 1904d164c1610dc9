"""Who may do what with members and municipalities.

A missing object and one the user may not see look the same: Http404.
"""

from django.http import Http404

from community.models import Municipality, User


def can_invite(user: User, municipality: Municipality | None) -> bool:
    """Administrators invite anywhere, coordinators into their own municipality."""
    if not user.is_authenticated or not user.is_active or municipality is None:
        return False
    return user.is_network_admin or user.is_coordinator_of(municipality)


def can_manage_municipalities(user: User) -> bool:
    return user.is_authenticated and user.is_network_admin


def can_manage_member(user: User, member: User) -> bool:
    return user.is_authenticated and user.is_network_admin


def access_member(user: User, member_id) -> User:
    from community.selectors import member_list

    if not user.is_authenticated:
        raise Http404
    try:
        return member_list(viewer=user).get(pk=int(member_id))
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_member_by_handle(user: User, handle: str) -> User:
    from community.selectors import member_list

    if not user.is_authenticated:
        raise Http404
    try:
        return member_list(viewer=user).get(handle=handle)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def access_municipality(user: User, slug: str) -> Municipality:
    if not user.is_authenticated:
        raise Http404
    try:
        return Municipality.objects.prefetch_related("email_domains").get(slug=slug)
    except Municipality.DoesNotExist as exc:
        raise Http404 from exc
