"""Who may do what with members and municipalities.

A missing object and one the user may not see look the same: Http404.
"""

from django.http import Http404

from community.models import ApiToken, Expertise, Municipality, Project, Qualification, Tool, User


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


def can_edit_projects_of(user: User, municipality: Municipality | None) -> bool:
    """Members of a municipality keep its projects; administrators keep all."""
    if not user.is_authenticated or not user.is_active or municipality is None:
        return False
    return user.is_network_admin or user.municipality_id == municipality.pk


def can_edit_project(user: User, project: Project) -> bool:
    return can_edit_projects_of(user, project.municipality)


def access_project(user: User, project_id) -> Project:
    from community.selectors import project_detail_queryset

    if not user.is_authenticated:
        raise Http404
    try:
        return project_detail_queryset(viewer=user).get(pk=int(project_id))
    except (Project.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_qualification(user: User, pk) -> Qualification:
    if not user.is_authenticated:
        raise Http404
    try:
        return Qualification.objects.select_related("member", "member__municipality").get(
            pk=int(pk), member__is_active=True
        )
    except (Qualification.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_expertise(user: User, slug: str) -> Expertise:
    if not user.is_authenticated:
        raise Http404
    try:
        return Expertise.objects.get(slug=slug)
    except Expertise.DoesNotExist as exc:
        raise Http404 from exc


def access_tool(user: User, key: str) -> Tool:
    if not user.is_authenticated:
        raise Http404
    try:
        return Tool.objects.get(key=key)
    except Tool.DoesNotExist as exc:
        raise Http404 from exc


def access_api_token(user: User, token_id) -> ApiToken:
    """One of the user's own API tokens; anyone else's is missing (404)."""
    from community.selectors import member_api_tokens

    if not user.is_authenticated:
        raise Http404
    try:
        return member_api_tokens(member=user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
