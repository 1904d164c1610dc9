"""Writes of members: create, profile, administrative changes, sign-out, password."""

import datetime as dt

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    ApiToken,
    Municipality,
    Role,
    User,
)
from community.services._common import unique_handle
from community.services._helpers import _group_send
from community.signals import member_profiles_changed_send
from core import realtime, throttling
from core.addresses import normalize_email
from core.markdown import render_markdown


@transaction.atomic
def member_create(
    *,
    email: str,
    display_name: str,
    municipality: Municipality | None = None,
    password: str | None = None,
    role: str = Role.MEMBER,
    department: str = "",
    position: str = "",
    bio: str = "",
    is_active: bool = True,
) -> User:
    """Create a member; without a password the account waits for its invitation."""
    email = normalize_email(email)
    member = User(
        email=email,
        display_name=(display_name or "").strip(),
        municipality=municipality,
        role=role,
        department=department.strip(),
        position=position.strip(),
        bio=bio,
        bio_html=render_markdown(bio),
        is_active=is_active,
        is_staff=role == Role.ADMIN,
    )
    member.handle = unique_handle(member.display_name)
    if password:
        password_validation.validate_password(password, member)
        member.set_password(password)
    else:
        member.set_unusable_password()
    member.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # a concurrent request took the address first
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Mit dieser Adresse gibt es schon ein Konto."), code="exists"
                )
            }
        ) from exc
    member_profiles_changed_send(member_ids=[member.pk])
    return member


@transaction.atomic
def member_update_profile(
    *,
    member: User,
    display_name: str | None = None,
    department: str | None = None,
    position: str | None = None,
    bio: str | None = None,
) -> User:
    if display_name is not None:
        member.display_name = display_name.strip()
    if department is not None:
        member.department = department.strip()
    if position is not None:
        member.position = position.strip()
    if bio is not None:
        member.bio = bio
        member.bio_html = render_markdown(bio)
    member.full_clean(exclude=["password", "email", "handle"])
    member.save(update_fields=["display_name", "department", "position", "bio", "bio_html"])
    member_profiles_changed_send(member_ids=[member.pk])
    return member


@transaction.atomic
def member_update(
    *,
    member: User,
    role: str | None = None,
    municipality: Municipality | None = None,
    is_active: bool | None = None,
    **profile,
) -> User:
    """Administrative changes: role, municipality, active flag, and the profile."""
    before = (member.role, member.municipality_id, member.is_active)
    if role is not None:
        member.role = role
        member.is_staff = role == Role.ADMIN or member.is_superuser
    if municipality is not None:
        member.municipality = municipality
    if is_active is not None:
        member.is_active = is_active
    member.full_clean(exclude=["password", "email", "handle"])
    member.save()
    if profile:
        member_update_profile(member=member, **profile)
    member_profiles_changed_send(member_ids=[member.pk])
    if is_active is False:
        member_sessions_end(member=member)
    if (member.role, member.municipality_id, member.is_active) != before:
        _member_access_changed(member=member)
    return member


@transaction.atomic
def member_access_changed(*, member: User) -> None:
    """After the admin's form changed role, municipality or the active flag directly:
    a deactivated member is signed out everywhere, open sockets check again."""
    if not member.is_active:
        member_sessions_end(member=member)
    _member_access_changed(member=member)


def _member_access_changed(*, member: User) -> None:
    _chat_access_changed_on_commit(member_id=member.pk)
    member_sockets_changed_on_commit(member_id=member.pk, active=member.is_active)


def _chat_access_changed_on_commit(*, member_id: int) -> None:
    """Open chat sockets check the rooms again (a city room may be closed to them now)."""
    event = {"type": realtime.CHAT_ACCESS_CHANGED, "room_id": None}
    group = realtime.chat_user_group(member_id)
    transaction.on_commit(lambda: _group_send(group, event))


def member_sockets_changed_on_commit(*, member_id: int, active: bool) -> None:
    """Every open socket of the member: an inactive member's close (4401), an
    active one's check again what they watch (an event of the city they left)."""
    event = {"type": realtime.SOCKET_ENDED if not active else realtime.SOCKET_RECHECK}
    group = realtime.member_sockets_group(member_id)
    transaction.on_commit(lambda: _group_send(group, event))


def member_sessions_end(
    *,
    member: User,
    except_session_key: str | None = None,
    except_token: ApiToken | None = None,
) -> None:
    """Sign a member out everywhere (but the given session and token): delete the rows.

    Rows are deleted, not just made invalid, so that whatever watches them (open
    sockets) sees them go.
    """
    tokens = ApiToken.objects.filter(user=member)
    if except_token is not None:
        tokens = tokens.exclude(pk=except_token.pk)
    tokens.delete()
    member_other_sessions_end(member=member, except_session_key=except_session_key)


def member_other_sessions_end(*, member: User, except_session_key: str | None = None) -> int:
    """Delete the member's browser sessions but ``except_session_key``; returns how many."""
    ended = 0
    # Sessions are signed blobs; only decoding them tells whose they are.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == except_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(member.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def member_deactivate(*, member: User) -> User:
    return member_update(member=member, is_active=False)


@transaction.atomic
def member_password_set(
    *,
    member: User,
    password: str,
    except_session_key: str | None = None,
    except_token: ApiToken | None = None,
) -> User:
    """A new password ends every other session and API token of the member.

    Whoever knew the old password (or held a stolen session or key) is out;
    the browser or token that set it may stay. Proof of the password (or of
    the mailbox) also lifts a sign-in lockout.
    """
    password_validation.validate_password(password, member)
    member.set_password(password)
    member.save(update_fields=["password"])
    member_sessions_end(
        member=member, except_session_key=except_session_key, except_token=except_token
    )
    throttling.signin_reset(email=member.email)
    return member


# Back on the start page within this time, the member is still on the same visit.
VISIT_GAP = dt.timedelta(minutes=30)


@transaction.atomic
def member_start_page_visit(*, member: User, now: dt.datetime | None = None) -> dt.datetime | None:
    """The member sees the start page: returns when their previous visit ended (None on the first).

    A visit lasts while the page is seen again within ``VISIT_GAP``, so a reload
    (or a return from marking something read) still shows what was new since the
    visit before; one UPDATE either way.
    """
    now = now or timezone.now()
    seen = member.start_page_seen_at
    previous = member.start_page_previous_visit_at
    if seen is not None and now - seen >= VISIT_GAP:
        previous = seen
    User.objects.filter(pk=member.pk).update(
        start_page_seen_at=now, start_page_previous_visit_at=previous
    )
    member.start_page_seen_at = now
    member.start_page_previous_visit_at = previous
    return previous


def member_language_remember(*, member: User, language: str) -> None:
    """Store the language of the member's last page ("": the site's); one UPDATE."""
    User.objects.filter(pk=member.pk).update(language=language[:10])
    member.language = language[:10]
