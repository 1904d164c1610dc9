"""Writes for the privacy features: erasing a member on request (Art. 17 DSGVO).

The account row stays as an inactive tombstone so that threads and chat
histories still read; everything that names or describes the person goes.
The empty ``display_name`` is the tombstone's mark: ``User.display_name``
then reads "ehemaliges Mitglied" everywhere (see ``community.models``).

The handle is reserved for good (``ErasedHandle``): others' posts still say
"@handle" in their text, and a newcomer given that handle would inherit those
mentions. The stored HTML of others' posts and messages loses the link: the
mention reads "ehemaliges Mitglied"; the forum's cached fragments of the
person's posts and threads and of the posts mentioning them are deleted.
"""

import logging
import re
import secrets

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from chat.models import Mention, Message, RateBucket, Room, RoomKind, RoomMembership
from community import services as community_services
from community.mentions import erased_member_name
from community.models import (
    ERASED_EMAIL_DOMAIN,
    ERASED_MEMBER_NAME,
    EmailFrequency,
    ErasedHandle,
    Invitation,
    MemberExpertise,
    MemberSearchDocument,
    Passkey,
    Project,
    ProjectInvitation,
    Qualification,
    RecoveryCode,
    Role,
    TotpDevice,
    User,
    handle_digest,
)
from core import realtime
from events import services as event_services
from events.models import CalendarFeed, Event, Signup, SignupStatus
from files.selectors import files_of_member
from files.services import files_delete_of_member
from forum import fragments
from forum.models import Post, PostRevision, ReadState, Subscription, Thread
from forum.search import get_backend as forum_search
from notifications.models import Notification, NotificationJob, PushSubscription

logger = logging.getLogger(__name__)


def _cancel_event_signups(member: User) -> None:
    """Through the events service, so the first person waiting moves up at once."""
    active = Signup.objects.filter(
        member=member, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
    ).select_related("event")
    for signup in list(active):
        event_services.signup_cancel(event=signup.event, member=member)
    Signup.objects.filter(member=member).delete()
    member.organized_events.clear()

    CalendarFeed.objects.filter(member=member).delete()


def _leave_chat(member: User) -> None:
    """Leave every room; direct rooms lose the person's name from their stored title."""
    direct = list(
        RoomMembership.objects.filter(member=member, room__kind=RoomKind.DIRECT).values_list(
            "room_id", flat=True
        )
    )
    if direct:
        with translation.override(settings.LANGUAGE_CODE):
            erased = str(ERASED_MEMBER_NAME)
        names: dict[int, list[str]] = {room_id: [] for room_id in direct}
        for membership in RoomMembership.objects.filter(room_id__in=direct).select_related(
            "member"
        ):
            name = erased if membership.member_id == member.pk else membership.member.display_name
            names[membership.room_id].append(name)

        for room_id, people in names.items():
            Room.objects.filter(pk=room_id).update(name=", ".join(sorted(people))[:200])
    RoomMembership.objects.filter(member=member).delete()
    Mention.objects.filter(member=member).delete()
    RateBucket.objects.filter(member=member).delete()  # when they last posted


def _chat_sockets_recheck(member_id: int) -> None:
    """Tell the member's open chat sockets to check access again (they close: 4403)."""
    # The account is erased all the same if this fails; sockets end with the session.
    event = {"type": realtime.CHAT_ACCESS_CHANGED, "room_id": None}
    realtime.group_send(realtime.chat_user_group(member_id), event)


def _leave_forum(member: User) -> None:
    Subscription.objects.filter(member=member).delete()
    ReadState.objects.filter(member=member).delete()


def _neutral_name() -> str:
    return escape(erased_member_name())


def _unlink_mentions(handle: str) -> set[int]:
    """Stored HTML mentioning ``handle`` shows the neutral name, without the link.

    Returns the ids of the forum posts changed (their cached fragments go too).
    """

    href = reverse("member_detail", kwargs={"handle": handle})
    link = re.compile(rf'<a href="{re.escape(href)}"[^>]*>[^<]*</a>')
    needle = f'href="{href}"'
    neutral = _neutral_name()
    changed_posts: set[int] = set()
    for model in (Post, PostRevision, Message):
        rows = list(model.objects.filter(body_html__contains=needle).only("pk", "body_html"))
        for row in rows:
            row.body_html = link.sub(neutral, row.body_html)
        model.objects.bulk_update(rows, ["body_html"], batch_size=500)
        if model is Post:
            changed_posts.update(row.pk for row in rows)
        elif model is PostRevision:
            changed_posts.update(
                PostRevision.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                    "post_id", flat=True
                )
            )
    return changed_posts


# Where a removed file leaves its mark: the HTML that every page and the API show.
def _removed_mark_fields() -> dict:
    return {
        Post: "body_html",
        Message: "body_html",
        Event: "description_html",
        Project: "body_html",
    }


def _remove_files(member: User) -> set[int]:
    """Delete every file the member uploaded (bytes on commit); where one was attached,
    the object's HTML gets a neutral "Datei entfernt" (no name: that could be personal).

    Returns the ids of the forum posts that lost files (their fragments and search
    documents are renewed). The profile photo goes too (``User.photo`` is SET_NULL).
    """

    counts: dict[tuple[int, int], int] = {}
    for type_id, object_id in (
        files_of_member(member)
        .filter(attached_type__isnull=False)
        .values_list("attached_type_id", "attached_id")
    ):
        counts[(type_id, object_id)] = counts.get((type_id, object_id), 0) + 1
    files_delete_of_member(user=member)
    with translation.override(settings.LANGUAGE_CODE):
        mark = escape(translation.gettext("Datei entfernt"))
    changed_posts: set[int] = set()
    for model, field in _removed_mark_fields().items():
        type_id = ContentType.objects.get_for_model(model).pk
        ids = {object_id: n for (t, object_id), n in counts.items() if t == type_id}
        if not ids:
            continue
        rows = list(model.objects.filter(pk__in=list(ids)).only("pk", field))
        for row in rows:
            marks = "".join(f'<p class="file-removed">{mark}</p>' for _ in range(ids[row.pk]))
            setattr(row, field, getattr(row, field) + marks)
        model.objects.bulk_update(rows, [field], batch_size=500)
        if field == "body_html" and model._meta.label_lower == "forum.post":
            changed_posts.update(row.pk for row in rows)
    if changed_posts:
        forum_search().index(sorted(changed_posts))  # their files' text is gone from the index
    return changed_posts


def _forget_forum_fragments(member: User, mentioned_in: set[int]) -> None:
    """After commit: the cached HTML of everything that showed the person's name."""
    post_ids = set(Post.objects.filter(author=member).values_list("pk", flat=True))
    post_ids |= mentioned_in
    thread_ids = set(Thread.objects.filter(author=member).values_list("pk", flat=True))
    transaction.on_commit(lambda: fragments.forget(post_ids=post_ids, thread_ids=thread_ids))


@transaction.atomic
def member_erase(*, member: User, by: User | None = None) -> User:
    """Erase a member's personal data; keep an inactive tombstone for their posts.

    ``by`` is the administrator acting on request (None: the member themself).
    Idempotent: erasing a tombstone again changes nothing.
    """

    member = User.objects.select_for_update().get(pk=member.pk)
    if member.is_erased:
        return member
    member_id = member.pk

    _cancel_event_signups(member)
    _leave_chat(member)
    _leave_forum(member)
    MemberExpertise.objects.filter(member=member).delete()
    member.learning_interests.clear()
    Qualification.objects.filter(member=member).delete()
    member.projects.clear()
    ProjectInvitation.objects.filter(member=member).delete()
    ProjectInvitation.objects.filter(invited_by=member).update(invited_by=None)
    Project.objects.filter(created_by=member).update(created_by=None)
    Invitation.objects.filter(member=member).delete()
    Invitation.objects.filter(invited_by=member).update(invited_by=None)
    # The second factor (issue 21): authenticator, passkeys, recovery codes.
    TotpDevice.objects.filter(user=member).delete()
    Passkey.objects.filter(user=member).delete()
    RecoveryCode.objects.filter(user=member).delete()
    Notification.objects.filter(recipient=member).delete()
    # Others' notifications about this member carry the name in their text.
    Notification.objects.filter(actor=member).delete()
    PushSubscription.objects.filter(member=member).delete()
    # Pending work of theirs (a reply's fan-out would name them to its watchers).
    NotificationJob.objects.filter(member=member).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(member_id)
    ).delete()
    community_services.member_sessions_end(member=member)
    # Every open socket closes (4401); chat sockets also check their rooms again.
    community_services.member_sockets_changed_on_commit(member_id=member_id, active=False)
    transaction.on_commit(lambda: _chat_sockets_recheck(member_id))

    ErasedHandle.objects.get_or_create(digest=handle_digest(member.handle))
    mentioned_in = _unlink_mentions(member.handle)
    mentioned_in |= _remove_files(member)
    _forget_forum_fragments(member, mentioned_in)

    member.email = f"erased-{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}"
    member.handle = f"ehemalig-{secrets.token_hex(8)}"
    member.display_name = ""
    member.department = member.position = member.bio = member.bio_html = ""
    member.photo = None  # deleted with the member's files (_remove_files)
    member.municipality = None
    member.role = Role.MEMBER
    member.is_active = member.is_staff = member.is_superuser = False
    member.last_login = None
    member.start_page_seen_at = member.start_page_previous_visit_at = None
    member.email_notifications = EmailFrequency.NEVER
    member.language = ""
    member.set_unusable_password()
    member.save()
    member.groups.clear()
    member.user_permissions.clear()

    # No document left: the directory drops the member from its index (its receiver).
    MemberSearchDocument.objects.filter(member=member).delete()
    logger.info(
        "member erased",
        extra={"member_id": member_id, "by_id": by.pk if by is not None else member_id},
    )
    return member
