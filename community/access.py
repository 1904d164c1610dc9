"""Who may do what with members and municipalities.

A missing object and one the user may not see look the same: Http404.
"""

from django.http import Http404

from community.models import (
    ApiToken,
    Expertise,
    Municipality,
    Passkey,
    Project,
    ProjectInvitation,
    Qualification,
    Tool,
    User,
)
from community.selectors import member_api_tokens, member_list, project_detail_queryset


def can_invite(user: User, municipality: Municipality | None) -> bool:
    """Administrators invite anywhere, coordinators into their own municipality."""
    if not user.is_authenticated or not user.is_active or municipality is None:
        return False
    return user.is_network_admin or user.is_coordinator_of(municipality)


def access_municipality_oidc(user: User, slug: str) -> Municipality:
    """The municipality whose identity provider the user may propose: their own as its
    coordinator (administrators: any). Anyone else's is missing (404)."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    municipality = Municipality.objects.filter(slug=slug).first()
    if municipality is None or not (user.is_network_admin or user.is_coordinator_of(municipality)):
        raise Http404
    return municipality


def can_manage_municipalities(user: User) -> bool:
    return user.is_authenticated and user.is_network_admin


def can_manage_member(user: User, member: User) -> bool:
    return user.is_authenticated and user.is_network_admin


def access_member(user: User, member_id) -> User:
    if not user.is_authenticated:
        raise Http404
    try:
        return member_list(viewer=user).get(pk=int(member_id))
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_member_by_handle(user: User, handle: str) -> User:
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


def project_visible_to(user: User, project: Project | None) -> bool:
    """Whether an object that links this project may show it (title, link, id).

    The rule of ``selectors.project_list`` on a loaded project, without a query:
    published, or of the viewer's municipality, or the viewer administers the
    network. (Invitees of a draft elsewhere see it on its page, not in links.)
    """
    if project is None or not user.is_authenticated:
        return False
    return (
        project.is_published
        or user.is_network_admin
        or (user.municipality_id is not None and project.municipality_id == user.municipality_id)
    )


def access_project(user: User, project_id) -> Project:
    if not user.is_authenticated:
        raise Http404
    try:
        return project_detail_queryset(viewer=user).get(pk=int(project_id))
    except (Project.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def access_project_invitation(user: User, project_id) -> ProjectInvitation:
    """The user's own open invitation into a project (even a draft elsewhere), or Http404."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    try:
        number = int(project_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < number < 2**63:  # no 500 for ids the database cannot hold
        raise Http404
    try:
        return ProjectInvitation.objects.select_related("project", "project__municipality").get(
            project_id=number, member=user
        )
    except ProjectInvitation.DoesNotExist as exc:
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
    if not user.is_authenticated:
        raise Http404
    try:
        return member_api_tokens(member=user).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


# --- attached files (registered with files.registry in CommunityConfig.ready) --------
def can_see_project_files(user: User, project: Project) -> bool:
    """Whoever may open the project sees its documents (a draft: its municipality, the
    people asked into it, the administration), asked on every download."""
    from community.selectors import project_list  # late: selectors import this module

    if not user.is_authenticated or not user.is_active:
        return False
    return project_list(viewer=user).filter(pk=project.pk).exists()


def is_project_member(user: User, project: Project) -> bool:
    return project.members.filter(pk=user.pk, is_active=True).exists()


def can_add_project_files(user: User, project: Project) -> bool:
    """Who keeps the project (its municipality's members, the administration) and the
    people taking part in it, from wherever they are."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_edit_project(user, project) or is_project_member(user, project)


def can_manage_project_files(user: User, project: Project) -> bool:
    return can_add_project_files(user, project)


def can_see_member_photo(user: User, member: User) -> bool:
    """A profile photo is seen where the member is: by every active member of the network."""
    return bool(user.is_authenticated and user.is_active and not member.is_erased)


def can_manage_member_photo(user: User, member: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.pk == member.pk)


def access_passkey(user: User, passkey_id):
    """One of the user's own passkeys; anyone else's is missing (404)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Passkey.objects.select_related("user").get(pk=int(passkey_id), user=user)
    except (Passkey.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
