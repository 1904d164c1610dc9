"""Writes of tools and projects (members, invitations, links, the project's chat room)."""

from collections.abc import Collection, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from community.access import can_add_project_files, can_edit_project
from community.models import (
    Municipality,
    Project,
    ProjectInvitation,
    ProjectLink,
    ProjectStatus,
    Tool,
    User,
)
from community.services._helpers import german_slugify
from community.services.notifications import notification_create
from community.services.search_index import search_index_update
from core.concurrency import check_version
from core.markdown import render_markdown
from core.text import validate_one_line
from files.services import files_attach, files_delete_for


@transaction.atomic
def tool_reindex(*, tool: Tool) -> None:
    """Its name changed: the search documents of the members of projects with it."""
    search_index_update(
        member_ids=Project.members.through.objects.filter(project__tools=tool).values_list(
            "user_id", flat=True
        )
    )


def tool_key(name: str) -> str:
    """The identity of a tool: "enaio", "Enaio" and " ENAIO " are one."""
    return german_slugify(name)[:100]


@transaction.atomic
def tools_get_or_create(*, names: Iterable[str]) -> list[Tool]:
    wanted: dict[str, str] = {}
    for name in names:
        try:
            validate_one_line((name or "").strip())
        except ValidationError as exc:
            raise ValidationError({"tools": exc}) from None
        name = " ".join((name or "").split())[:100]
        key = tool_key(name)
        if not key:
            raise ValidationError(
                {"tools": ValidationError(_("Leerer Werkzeugname."), code="invalid")}
            )
        wanted.setdefault(key, name)
    existing = Tool.objects.in_bulk(list(wanted), field_name="key")
    for key, name in wanted.items():
        if key not in existing:
            try:
                with transaction.atomic():
                    existing[key] = Tool.objects.create(key=key, name=name)
            except IntegrityError:  # created concurrently under the same key
                existing[key] = Tool.objects.get(key=key)
    return [existing[key] for key in wanted]


PROJECT_FIELDS = {
    "title",
    "kind",
    "status",
    "started_on",
    "ended_on",
    "body",
    "lessons_learned",
    "is_published",
}


def _project_apply(
    *,
    project: Project,
    fields: dict,
    tools: Iterable[str] | None,
    members: Iterable[User] | None,
    links: Iterable[tuple[str, str]] | None,
    by: User | None,
) -> list[int]:
    unknown = set(fields) - PROJECT_FIELDS
    if unknown:
        raise TypeError(f"unexpected project fields {sorted(unknown)}")
    for field, value in fields.items():
        setattr(
            project, field, value.strip() if field == "title" and isinstance(value, str) else value
        )
    project.body_html = render_markdown(project.body)
    project.lessons_learned_html = render_markdown(project.lessons_learned)
    project.full_clean()
    project.save()
    affected = set(project.members.values_list("pk", flat=True))
    if tools is not None:
        project.tools.set(tools_get_or_create(names=tools))
    if members is not None:
        affected |= _project_members_set(project=project, members=list(members), by=by)
    if links is not None:
        project.links.all().delete()
        for url, title in links:
            link = ProjectLink(project=project, url=url, title=title)
            link.full_clean()
            link.save()
    return sorted(affected)


def _project_members_set(*, project: Project, members: list[User], by: User | None) -> set[int]:
    """Make ``members`` the project's people: members stay, newcomers are invited.

    Adding a person is an invitation (``ProjectInvitation``) that they accept
    or decline; only the one who adds themself joins at once. Accepted members
    and open invitations not in the list are removed. Returns the ids whose
    search documents change (members who left).
    """
    if any(not m.is_active for m in members):
        raise ValidationError(
            {"members": ValidationError(_("Nur aktive Mitglieder."), code="invalid")}
        )
    wanted = {m.pk: m for m in members}
    current = set(project.members.values_list("pk", flat=True))
    leaving = current - set(wanted)
    if leaving:
        project.members.remove(*leaving)
    ProjectInvitation.objects.filter(project=project).exclude(member_id__in=list(wanted)).delete()
    invited = set(
        ProjectInvitation.objects.filter(project=project).values_list("member_id", flat=True)
    )
    for pk, person in wanted.items():
        if pk in current or pk in invited:
            continue
        if by is not None and pk == by.pk:
            project.members.add(person)
            current.add(pk)
            continue
        ProjectInvitation.objects.create(project=project, member=person, invited_by=by)
        notification_create(
            recipient=person,
            actor=by,
            kind="project.invitation",
            text=_("Sie sind zum Projekt „%(title)s“ eingeladen.") % {"title": project.title},
            url=project.get_absolute_url(),
            thread_key=f"project.{project.pk}",
            thread_title=project.title,
        )
    return leaving | ({by.pk} & current if by is not None else set())


def _project_invitation_for(*, project: Project, member: User):
    invitation = (
        ProjectInvitation.objects.select_for_update().filter(project=project, member=member).first()
    )
    if invitation is None:
        raise ValidationError(
            _("Es gibt keine offene Einladung in dieses Projekt."), code="no_invitation"
        )
    return invitation


@transaction.atomic
def project_invitation_accept(*, project: Project, member: User) -> Project:
    """The invited member joins: now they count as evidence and join the project's room."""
    invitation = _project_invitation_for(project=project, member=member)
    invitation.delete()
    if member.is_active:
        project.members.add(member)
    search_index_update(member_ids=[member.pk])
    _sync_project_chat_room(project)
    return project


@transaction.atomic
def project_invitation_decline(*, project: Project, member: User) -> None:
    """The invited member says no; nothing of the project changes for them."""
    _project_invitation_for(project=project, member=member).delete()


@transaction.atomic
def project_create(
    *,
    created_by: User | None,
    municipality: Municipality,
    title: str,
    kind: str,
    status: str = ProjectStatus.PLANNED,
    tools: Iterable[str] = (),
    members: Iterable[User] = (),
    links: Iterable[tuple[str, str]] = (),
    attachments: list | None = None,
    **fields,
) -> Project:
    """Create a project; ``attachments``: ids of the creator's uploads, its documents."""
    project = Project(municipality=municipality, created_by=created_by)
    members = list(members)
    if created_by is not None and created_by.is_active:
        # The creator is a member at once; everyone else is invited.
        members = [created_by, *(m for m in members if m.pk != created_by.pk)]
    affected = _project_apply(
        project=project,
        fields={"title": title, "kind": kind, "status": status, **fields},
        tools=tools,
        members=members,
        links=links,
        by=created_by,
    )
    if attachments:
        if created_by is None:
            raise ValidationError(
                {"attachments": ValidationError(_("Unbekannte Datei."), code="invalid_attachment")}
            )
        files_attach(user=created_by, ids=attachments, target=project)
    search_index_update(member_ids=affected)
    _sync_project_chat_room(project)
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    tools: Iterable[str] | None = None,
    members: Iterable[User] | None = None,
    links: Iterable[tuple[str, str]] | None = None,
    expected_version: int | Collection[int] | None = None,
    by: User | None = None,
    attachments: list | None = None,
    **fields,
) -> Project:
    """Change a project; with ``expected_version``, one changed meanwhile raises
    VersionConflict (under the row lock: of two edits from one version only one wins).
    ``members`` lists who should take part (see ``_project_members_set``).
    ``attachments`` (by one who keeps the project) replaces its documents: those
    left out are deleted."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_version(project, expected_version)
    project.version += 1
    affected = _project_apply(
        project=project, fields=fields, tools=tools, members=members, links=links, by=by
    )
    if attachments is not None:
        if by is None or not can_edit_project(by, project):
            raise ValidationError(
                {
                    "attachments": ValidationError(
                        _("Die Unterlagen ändern die Mitglieder der Kommune des Projekts."),
                        code="invalid_attachment",
                    )
                }
            )
        files_attach(user=by, ids=attachments, target=project)
    search_index_update(member_ids=affected)
    _sync_project_chat_room(project)
    return project


@transaction.atomic
def project_files_add(*, project: Project, member: User, attachments: list) -> Project:
    """Add documents to a project, keeping the ones it has: for its keepers and for
    the people taking part from other municipalities (who may not edit it)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_add_project_files(member, project):
        raise ValidationError(
            {
                "attachments": ValidationError(
                    _("Unterlagen fügen die Beteiligten des Projekts hinzu."), code="not_allowed"
                )
            }
        )
    current = [str(pk) for pk in project.attachments.values_list("pk", flat=True)]
    new = [str(pk) for pk in attachments if str(pk) not in current]
    files_attach(user=member, ids=[*current, *new], target=project)
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    affected = list(project.members.values_list("pk", flat=True))
    _close_project_chat_room(project)
    files_delete_for(target=project)  # its documents go with it
    project.delete()
    search_index_update(member_ids=affected)


def _sync_project_chat_room(project: Project) -> None:
    """The project's chat room holds exactly its active members; open sockets of leavers close."""
    # late: upward call, replaced by a hook (issue 17)
    from chat import services as chat_services
    from chat.models import RoomKind, RoomMembership

    wanted = list(project.members.filter(is_active=True))
    room = chat_services.room_ensure_for_object(
        kind=RoomKind.PROJECT, object_id=project.pk, name=project.title, members=wanted
    )
    leaving = list(
        User.objects.filter(
            pk__in=RoomMembership.objects.filter(room=room, left_at__isnull=True)
            .exclude(member__in=wanted)
            .values("member_id")
        )
    )
    if leaving:
        chat_services.room_remove_members(room=room, members=leaving)


def _close_project_chat_room(project: Project) -> None:
    """A deleted project's room stays readable for its members but takes no new messages."""
    # late: upward call, replaced by a hook (issue 17)
    from chat import services as chat_services
    from chat.models import Room, RoomKind

    room = Room.objects.filter(kind=RoomKind.PROJECT, object_id=project.pk).first()
    if room is not None and not room.is_closed:
        chat_services.room_close(room=room)
