"""Reads for the privacy features: everything stored about one member (Art. 15/20 DSGVO).

The export is built from explicit field lists, one query per kind of data,
and only ever filters by the member: nothing another member wrote to them
(private messages of others, e-mail addresses) can slip in.
"""

import datetime as dt
import json
import shutil
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone

from chat.models import Message, RateBucket, RoomMembership
from community.models import (
    LEVEL_CODES,
    ApiToken,
    Invitation,
    MemberExpertise,
    MemberSearchDocument,
    OidcIdentity,
    ProjectInvitation,
    Qualification,
    RecoveryCode,
    User,
)
from community.selectors import member_factor_list
from events.models import CalendarFeed, Signup
from files.selectors import files_of_member
from forum.models import Flag, Post, Reaction, ReadState, Subscription, Thread
from notifications.models import Notification, PushSubscription

EXPORT_FORMAT = "lotsennetz-export/1"
# Inside the ZIP: the JSON as the API gives it, and the member's files in a folder.
ZIP_JSON_NAME = "daten.json"
ZIP_FILES_DIR = "dateien"
COPY_CHUNK = 1024 * 1024


def _rows(queryset, *fields: str) -> list[dict]:
    """``values()`` with readable keys: ``"thread__title"`` comes out as ``"thread_title"``."""
    plain = [f for f in fields if "__" not in f]
    related = {f.replace("__", "_"): F(f) for f in fields if "__" in f}
    return list(queryset.values(*plain, **related))


def _account(member: User) -> dict:
    municipality = member.municipality
    return {
        "id": member.pk,
        "email": member.email,
        "handle": member.handle,
        "display_name": member.display_name,
        "department": member.department,
        "position": member.position,
        "bio": member.bio,
        "role": member.role,
        "is_active": member.is_active,
        "date_joined": member.date_joined,
        "last_login": member.last_login,
        "start_page_seen_at": member.start_page_seen_at,
        "start_page_previous_visit_at": member.start_page_previous_visit_at,
        "email_notifications": member.email_notifications,
        "language": member.language,  # the language of the last page ("": the site's)
        "has_password": member.has_usable_password(),
        "municipality": (
            {"slug": municipality.slug, "name": municipality.name, "state": municipality.state}
            if municipality
            else None
        ),
    }


def _community(member: User) -> dict:
    expertise = [
        {"slug": e.expertise.slug, "name": e.expertise.name, "level": LEVEL_CODES[e.level]}
        for e in MemberExpertise.objects.filter(member=member).select_related("expertise")
    ]
    learning = _rows(member.learning_interests.order_by("slug"), "slug", "name")
    qualifications = [
        {
            "programme": q.programme,
            "cohort": q.cohort,
            "completed_on": q.completed_on,
            "appointed_on": q.appointed_on,
            "created_at": q.created_at,
            "confirmed_at": q.confirmed_at,
        }
        for q in Qualification.objects.filter(member=member).order_by("created_at", "pk")
    ]
    projects = _rows(
        member.projects.order_by("pk"),
        "id",
        "title",
        "kind",
        "status",
        "municipality__name",
        "is_published",
    )
    project_invitations = _rows(
        ProjectInvitation.objects.filter(member=member).order_by("invited_at", "pk"),
        "project__title",
        "invited_at",
    )
    invitations_sent = _rows(
        Invitation.objects.filter(invited_by=member).order_by("created_at", "pk"),
        "created_at",
        "expires_at",
        "accepted_at",
    )
    invitations_received = _rows(
        Invitation.objects.filter(member=member).order_by("created_at", "pk"),
        "created_at",
        "expires_at",
        "accepted_at",
    )
    search_document = (
        MemberSearchDocument.objects.filter(member=member)
        .values("text_a", "text_b", "text_c", "updated_at")
        .first()
    )
    notifications = _rows(
        Notification.objects.filter(recipient=member).order_by("created_at", "pk"),
        "kind",
        "text",
        "url",
        "thread_title",
        "created_at",
        "read_at",
        "emailed_at",
    )
    # The devices for Web Push, without their keys (secrets of the browser, not data about you).
    push_devices = _rows(
        PushSubscription.objects.filter(member=member).order_by("created_at", "pk"),
        "label",
        "endpoint",
        "created_at",
        "last_success_at",
    )
    return {
        "expertise": expertise,
        "learning_interests": learning,
        "qualifications": qualifications,
        "projects": projects,
        "project_invitations": project_invitations,
        "invitations_sent": invitations_sent,
        "invitations_received": invitations_received,
        "notifications": notifications,
        "push_devices": push_devices,
        "search_document": search_document,
    }


def _forum(member: User) -> dict:
    return {
        "threads": _rows(
            Thread.objects.filter(author=member).order_by("created_at", "pk"),
            "id",
            "title",
            "category__name",
            "created_at",
            "edited_at",
        ),
        "posts": _rows(
            Post.objects.filter(author=member).order_by("created_at", "pk"),
            "id",
            "thread_id",
            "thread__title",
            "number",
            "body",
            "created_at",
            "edited_at",
            "deleted_at",
            "hidden",
        ),
        "reactions": _rows(
            Reaction.objects.filter(member=member).order_by("created_at", "pk"),
            "post_id",
            "kind",
            "created_at",
        ),
        "subscriptions": _rows(
            Subscription.objects.filter(member=member).order_by("created_at", "pk"),
            "thread_id",
            "thread__title",
            "category__name",
            "tag__name",
            "created_at",
        ),
        "read_states": _rows(
            ReadState.objects.filter(member=member).order_by("thread_id"),
            "thread_id",
            "thread__title",
            "last_read_number",
            "updated_at",
        ),
        "flags": _rows(
            Flag.objects.filter(member=member).order_by("created_at", "pk"),
            "post_id",
            "reason",
            "created_at",
            "resolved_at",
        ),
    }


def _chat_rate_limit(member: User) -> dict | None:
    """What the chat's rate limit keeps: messages left then, and when it last took one."""
    bucket = RateBucket.objects.filter(member=member).values_list("tokens", "stamp").first()
    if bucket is None:
        return None
    tokens, stamp = bucket
    return {
        "messages_left": round(max(tokens, 0.0), 2),
        "last_taken_at": dt.datetime.fromtimestamp(stamp, tz=dt.UTC),
    }


def _chat(member: User) -> dict:
    return {
        "rooms": _rows(
            RoomMembership.objects.filter(member=member).order_by("joined_at", "pk"),
            "room__slug",
            "room__kind",
            "joined_at",
            "left_at",
            "muted",
            "last_read_seq",
        ),
        # Only the member's own messages: what others wrote stays theirs.
        "messages": _rows(
            Message.objects.filter(author=member).order_by("room_id", "seq"),
            "room__slug",
            "seq",
            "body",
            "created_at",
            "edited_at",
            "deleted_at",
        ),
        "rate_limit": _chat_rate_limit(member),
    }


def _events(member: User) -> dict:
    feed = CalendarFeed.objects.filter(member=member).values("created_at").first()
    return {
        "signups": _rows(
            Signup.objects.filter(member=member).order_by("created_at", "pk"),
            "event_id",
            "event__title",
            "event__starts_at",
            "status",
            "position",
            "created_at",
            "confirmed_at",
            "cancelled_at",
        ),
        "organized": _rows(
            member.organized_events.order_by("starts_at", "pk"), "id", "title", "starts_at"
        ),
        "calendar_feed": feed,
    }


def _zip_path(file) -> str:
    """Unique by the id, readable by the (already cleaned) name."""
    return f"{ZIP_FILES_DIR}/{file.pk}-{file.name}"


def _files(member: User) -> list[dict]:
    """The member's uploads (the bytes are in the ZIP, at ``path``)."""
    return [
        {
            "id": str(file.pk),
            "name": file.name,
            "content_type": file.content_type,
            "size": file.size,
            "sha256": file.sha256,
            "created_at": file.created_at,
            "attached_to": (
                {"kind": file.attached_type.model, "id": file.attached_id}
                if file.attached_type_id
                else None
            ),
            "path": _zip_path(file),
        }
        for file in files_of_member(member).order_by("created_at", "pk")
    ]


def export_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def write_export_zip(*, member: User, data: dict, out) -> None:
    """The export as a ZIP into ``out`` (a file): the JSON, then each file, streamed.

    Chunk by chunk from the storage (local or S3): a member's gigabyte of
    files never sits in memory. Files deleted meanwhile are left out.
    """
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr(ZIP_JSON_NAME, export_json(data))
        for file in files_of_member(member).order_by("created_at", "pk"):
            try:
                source = file.blob.open("rb")
            except (OSError, ValueError):
                continue
            with source, archive.open(_zip_path(file), "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, COPY_CHUNK)


def _sign_in(member: User) -> dict:
    """How the member signs in: second factors and sign-ins through the municipality's
    provider. Never a secret, a public key, or a recovery code (nor its hash)."""
    return {
        "second_factors": member_factor_list(member=member),
        "recovery_codes": _rows(
            RecoveryCode.objects.filter(user=member).order_by("created_at", "pk"),
            "created_at",
            "used_at",
        ),
        "oidc_identities": list(
            OidcIdentity.objects.filter(member=member)
            .order_by("pk")
            .values(
                "issuer",
                "subject",
                "created_at",
                "last_signin_at",
                municipality=F("provider__municipality__name"),
            )
        ),
    }


def member_export(*, member: User) -> dict:
    """Everything stored about ``member`` as JSON-ready data (dates still as objects).

    Secrets are left out on purpose: password hash, token keys, feed keys.
    A fixed number of queries, whatever the amount of data.
    """

    member = User.objects.select_related("municipality").get(pk=member.pk)
    tokens = list(
        ApiToken.objects.filter(user=member)
        .order_by("created_at", "pk")
        .values("label", "created_at", "last_used_at")
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "account": _account(member),
        # The newest token as before, then all of them (never a key).
        "api_token": {"created": tokens[-1]["created_at"]} if tokens else None,
        "api_tokens": tokens,
        **_sign_in(member),
        **_community(member),
        "forum": _forum(member),
        "chat": _chat(member),
        "events": _events(member),
        "files": _files(member),
    }
