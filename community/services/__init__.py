"""Writes of the community app: municipalities, members, invitations, sign-up.

Every function is keyword-only, runs in one transaction and sends its e-mails
only once that transaction has committed.
"""

import hashlib
import secrets
from collections.abc import Collection, Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import emails, throttling
from community.addresses import canonical_email, email_domain, normalize_email
from community.concurrency import check_version
from community.markdown import render_markdown
from community.models import (
    ApiToken,
    EmailDomain,
    ErasedHandle,
    Expertise,
    Invitation,
    Level,
    MemberExpertise,
    MemberSearchDocument,
    Municipality,
    Project,
    ProjectKind,
    ProjectLink,
    ProjectStatus,
    Qualification,
    Role,
    Tool,
    User,
    handle_digest,
)
from community.text import validate_one_line

SIGNUP_SALT = "community.signup"
INVITABLE_ROLES = {Role.MEMBER, Role.COORDINATOR}
INVITABLE_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in INVITABLE_ROLES]


# --- helpers --------------------------------------------------------------
# normalize_email (the address to send to), canonical_email (who it is) and
# email_domain (its canonical domain) come from community.addresses.


def normalize_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@").rstrip(".")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slugify(value: str) -> str:
    """ "Gießen" → "giessen", "Müller" → "mueller" (slugify alone drops the letters)."""
    return slugify((value or "").translate(GERMAN_TRANSLITERATION))


def _unique_slug(
    model, field: str, base: str, fallback: str, max_length: int, *, retired=None
) -> str:
    """A free slug from ``base``; ``retired(candidate)`` True also counts as taken."""
    base = (german_slugify(base) or fallback)[: max_length - 6].strip("-") or fallback
    candidate, n = base, 1
    while model.objects.filter(**{field: candidate}).exists() or (
        retired is not None and retired(candidate)
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _set_domains(*, municipality: Municipality, domains: Iterable[str]) -> None:
    wanted = {normalize_domain(d) for d in domains if normalize_domain(d)}
    for domain in wanted:
        try:
            EmailDomain(municipality=municipality, domain=domain).clean_fields(
                exclude=["municipality"]
            )
        except ValidationError as exc:
            raise ValidationError({"email_domains": exc.message_dict["domain"]}) from exc
    taken = (
        EmailDomain.objects.filter(domain__in=wanted)
        .exclude(municipality=municipality)
        .values_list("domain", flat=True)
    )
    if taken:
        raise ValidationError(
            {
                "email_domains": ValidationError(
                    _("Diese Domain gehört schon zu einer anderen Kommune: %(domains)s"),
                    code="domain_taken",
                    params={"domains": ", ".join(sorted(taken))},
                )
            }
        )
    municipality.email_domains.exclude(domain__in=wanted).delete()
    existing = set(municipality.email_domains.values_list("domain", flat=True))
    EmailDomain.objects.bulk_create(
        EmailDomain(municipality=municipality, domain=d) for d in sorted(wanted - existing)
    )


def _handle_erased(handle: str) -> bool:
    return ErasedHandle.objects.filter(digest=handle_digest(handle)).exists()


def unique_handle(display_name: str) -> str:
    """A free handle from the name; an erased member's handle is never free again."""
    return _unique_slug(User, "handle", display_name, "mitglied", 60, retired=_handle_erased)


# --- municipalities ---------------------------------------------------------
@transaction.atomic
def municipality_create(
    *,
    name: str,
    state: str,
    slug: str = "",
    population: int | None = None,
    ags: str = "",
    email_domains: Iterable[str] = (),
) -> Municipality:
    municipality = Municipality(
        name=name.strip(),
        state=state,
        slug=slug or _unique_slug(Municipality, "slug", name, "kommune", 100),
        population=population,
        ags=(ags or "").strip(),
    )
    municipality.full_clean()
    municipality.save()
    _set_domains(municipality=municipality, domains=email_domains)
    return municipality


@transaction.atomic
def municipality_update(
    *, municipality: Municipality, email_domains: Iterable[str] | None = None, **fields
) -> Municipality:
    allowed = {"name", "slug", "state", "population", "ags"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"municipality_update() got unexpected fields {sorted(unknown)}")
    for field, value in fields.items():
        setattr(municipality, field, value.strip() if isinstance(value, str) else value)
    municipality.full_clean()
    municipality.save()
    if email_domains is not None:
        _set_domains(municipality=municipality, domains=email_domains)
    if "name" in fields or "state" in fields:
        municipality_reindex(municipality=municipality)
    return municipality


@transaction.atomic
def municipality_reindex(*, municipality: Municipality) -> None:
    """Its name or state changed: its members' search documents, and those of
    everyone whose project there names it, say so again."""
    members = set(municipality.members.values_list("pk", flat=True))
    members |= set(
        Project.members.through.objects.filter(project__municipality=municipality).values_list(
            "user_id", flat=True
        )
    )
    search_index_update(member_ids=members)


@transaction.atomic
def tool_reindex(*, tool: Tool) -> None:
    """Its name changed: the search documents of the members of projects with it."""
    search_index_update(
        member_ids=Project.members.through.objects.filter(project__tools=tool).values_list(
            "user_id", flat=True
        )
    )


# --- members ----------------------------------------------------------------
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
    search_index_update(member_ids=[member.pk])
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
    search_index_update(member_ids=[member.pk])
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
    search_index_update(member_ids=[member.pk])
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
    from community import realtime

    event = {"type": realtime.CHAT_ACCESS_CHANGED, "room_id": None}
    group = realtime.chat_user_group(member_id)
    transaction.on_commit(lambda: _group_send(group, event))


def member_sockets_changed_on_commit(*, member_id: int, active: bool) -> None:
    """Every open socket of the member: an inactive member's close (4401), an
    active one's check again what they watch (an event of the city they left)."""
    from community import realtime

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
    from django.contrib.sessions.models import Session

    tokens = ApiToken.objects.filter(user=member)
    if except_token is not None:
        tokens = tokens.exclude(pk=except_token.pk)
    tokens.delete()
    # Sessions are signed blobs; only decoding them tells whose they are.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == except_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(member.pk):
            session.delete()


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


# --- API tokens ------------------------------------------------------------
API_TOKENS_PER_MEMBER = 50
API_TOKEN_LABEL_LENGTH = 100


@transaction.atomic
def member_token(*, member: User, label: str = "") -> str:
    """A new API token for the member; only its hash is stored, the key is shown once.

    A member keeps at most ``API_TOKENS_PER_MEMBER`` tokens (the least recently
    used go first), and expired tokens are cleared on the way.
    """
    from community.authentication import idle_cutoff

    key = secrets.token_hex(20)
    ApiToken.objects.create(
        user=member, key_hash=hash_token(key), label=(label or "").strip()[:API_TOKEN_LABEL_LENGTH]
    )
    tokens = ApiToken.objects.filter(user=member)
    cutoff = idle_cutoff()
    if cutoff is not None:
        tokens.filter(last_used_at__lt=cutoff).delete()
    surplus = list(
        tokens.order_by("-last_used_at", "-pk").values_list("pk", flat=True)[API_TOKENS_PER_MEMBER:]
    )
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
    return key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke one token: the row goes, and with it every client that used it."""
    token.delete()


# --- invitations ----------------------------------------------------------
@transaction.atomic
def member_invite(
    *,
    invited_by: User | None,
    email: str,
    display_name: str,
    municipality: Municipality,
    role: str = Role.MEMBER,
    password: str | None = None,
) -> User:
    """Create a member of ``municipality``; without a password, e-mail an invitation.

    Coordinators invite only addresses on their municipality's registered
    domains (an account is a person of that city hall); administrators may
    invite any address.
    """
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            {
                "role": ValidationError(
                    _("Diese Rolle kann nicht eingeladen werden."), code="invalid"
                )
            }
        )
    if invited_by is not None and not invited_by.is_network_admin:
        _require_municipal_address(email=email, municipality=municipality)
    # An invited address is not a member until it accepts: until then the
    # account is inactive (not in the directory, search, chat or projects).
    member = member_create(
        email=email,
        display_name=display_name,
        municipality=municipality,
        role=role,
        password=password,
        is_active=bool(password),
    )
    if not password:
        invitation_send(member=member, invited_by=invited_by)
    return member


def _require_municipal_address(*, email: str, municipality: Municipality) -> None:
    domains = sorted(municipality.email_domains.values_list("domain", flat=True))
    if email_domain(email) in domains:
        return
    raise ValidationError(
        {
            "email": ValidationError(
                _(
                    "Die Koordination einer Kommune lädt nur Adressen ihrer Kommune ein "
                    "(%(domains)s). Andere Adressen lädt die Administration ein."
                ),
                code="domain_not_allowed",
                params={"domains": ", ".join(domains) or _("keine Domain eingetragen")},
            )
        }
    )


@transaction.atomic
def invitation_send(*, member: User, invited_by: User | None) -> str:
    """(Re)send the invitation; any earlier open link stops working."""
    if member.has_usable_password():
        raise ValidationError(
            _("Dieses Mitglied hat sein Konto schon eingerichtet."), code="accepted"
        )
    Invitation.objects.filter(member=member, accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        member=member,
        invited_by=invited_by,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    link = settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})
    transaction.on_commit(
        lambda: emails.send(
            to=member.email,
            template="community/email/invitation",
            context={"member": member, "invited_by": invited_by, "link": link},
        )
    )
    return token


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


@transaction.atomic
def invitation_accept(*, token: str, password: str, display_name: str | None = None) -> User:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("member")
        .filter(token_hash=hash_token(token or ""), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError(
            _(
                "Dieser Einladungslink ist ungültig oder abgelaufen. "
                "Bitten Sie um eine neue Einladung."
            ),
            code="invalid_token",
        )
    member = invitation.member
    if display_name:
        member.display_name = display_name.strip()
    password_validation.validate_password(password, member)
    member.set_password(password)
    member.is_active = True
    member.full_clean(exclude=["password", "email", "handle"])
    member.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    search_index_update(member_ids=[member.pk])  # name and active flag may have changed
    throttling.signin_reset(email=member.email)
    return member


# --- self-registration ------------------------------------------------------
def municipality_for_email(email: str) -> Municipality | None:
    domain = (
        EmailDomain.objects.select_related("municipality")
        .filter(domain=email_domain(email))
        .first()
    )
    return domain.municipality if domain else None


@transaction.atomic
def signup_request(*, email: str) -> None:
    """Send a confirmation link to an address on a registered municipal domain.

    Whether the address already has an account is told only to its mailbox, so
    the form cannot be used to find out who is a member.
    """
    email = normalize_email(email)
    User(email=email).clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "email"])
    municipality = municipality_for_email(email)
    if municipality is None:
        raise ValidationError(
            {
                "email": ValidationError(
                    _(
                        "Diese Adresse gehört zu keiner teilnehmenden Kommune. "
                        "Bitten Sie Ihre Koordination um eine Einladung."
                    ),
                    code="domain_not_registered",
                )
            }
        )
    existing = User.objects.filter(email_canonical=canonical_email(email)).first()
    if existing is not None:
        # To the account's own address: a look-alike spelling learns nothing.
        transaction.on_commit(
            lambda: emails.send(
                to=existing.email,
                template="community/email/signup_exists",
                context={"link": settings.SITE_URL + reverse("password_reset")},
            )
        )
        return
    token = signing.dumps({"email": email}, salt=SIGNUP_SALT)
    link = settings.SITE_URL + reverse("signup_confirm", kwargs={"token": token})
    transaction.on_commit(
        lambda: emails.send(
            to=email,
            template="community/email/signup_confirm",
            context={"municipality": municipality, "link": link},
        )
    )


def signup_email_for_token(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=settings.SIGNUP_CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("email") if isinstance(data, dict) else None


@transaction.atomic
def signup_complete(*, token: str, display_name: str, password: str) -> User:
    email = signup_email_for_token(token)
    if email is None:
        raise ValidationError(
            _(
                "Dieser Bestätigungslink ist ungültig oder abgelaufen. "
                "Bitte registrieren Sie sich erneut."
            ),
            code="invalid_token",
        )
    municipality = municipality_for_email(email)
    if municipality is None:
        raise ValidationError(
            _("Diese Adresse gehört zu keiner teilnehmenden Kommune mehr."),
            code="domain_not_registered",
        )
    if User.objects.filter(email_canonical=canonical_email(email)).exists():
        raise ValidationError(
            _("Mit dieser Adresse gibt es schon ein Konto. Melden Sie sich an."), code="exists"
        )
    return member_create(
        email=email, display_name=display_name, municipality=municipality, password=password
    )


# --- expertise and qualification -----------------------------------------------
@transaction.atomic
def member_set_expertise(
    *,
    member: User,
    expertise: dict[str, int],
    learning: Iterable[str] | None = None,
) -> User:
    """Replace a member's declared expertise ({slug: level}) and, if given, learning wishes."""
    fields = Expertise.objects.in_bulk(list(expertise) + list(learning or []), field_name="slug")
    unknown = sorted((set(expertise) | set(learning or [])) - set(fields))
    if unknown:
        raise ValidationError(
            {
                "expertise": ValidationError(
                    _("Unbekanntes Fachgebiet: %(slugs)s"),
                    code="unknown_expertise",
                    params={"slugs": ", ".join(unknown)},
                )
            }
        )
    if any(level not in Level.values for level in expertise.values()):
        raise ValidationError(
            {"expertise": ValidationError(_("Unbekannte Stufe."), code="invalid_level")}
        )
    MemberExpertise.objects.filter(member=member).exclude(
        expertise__slug__in=list(expertise)
    ).delete()
    for slug, level in expertise.items():
        MemberExpertise.objects.update_or_create(
            member=member, expertise=fields[slug], defaults={"level": level}
        )
    if learning is not None:
        member.learning_interests.set([fields[slug] for slug in learning])
    search_index_update(member_ids=[member.pk])
    return member


@transaction.atomic
def member_update_me(
    *,
    member: User,
    display_name: str | None = None,
    department: str | None = None,
    position: str | None = None,
    bio: str | None = None,
    expertise: dict[str, int] | None = None,
    learning: Iterable[str] | None = None,
) -> User:
    """A member edits their own profile (``PATCH /api/members/me/``).

    Only what is given changes: declared expertise ({slug: level}) replaces the
    declared fields, learning wishes replace the wishes, and either one alone
    leaves the other as it was. All or nothing.
    """
    member = member_update_profile(
        member=member,
        display_name=display_name,
        department=department,
        position=position,
        bio=bio,
    )
    if expertise is not None or learning is not None:
        if expertise is None:
            expertise = dict(
                MemberExpertise.objects.filter(member=member).values_list(
                    "expertise__slug", "level"
                )
            )
        member_set_expertise(
            member=member,
            expertise=expertise,
            learning=None if learning is None else list(learning),
        )
    return member


@transaction.atomic
def qualification_add(
    *,
    member: User,
    programme: str,
    cohort: str = "",
    completed_on=None,
    appointed_on=None,
) -> Qualification:
    qualification = Qualification(
        member=member,
        programme=programme.strip(),
        cohort=cohort.strip(),
        completed_on=completed_on,
        appointed_on=appointed_on,
    )
    qualification.full_clean()
    qualification.save()
    return qualification


@transaction.atomic
def qualification_confirm(*, qualification: Qualification, confirmed_by: User) -> Qualification:
    """A coordinator of the member's municipality (or an administrator) confirms it."""
    member = qualification.member
    if not (confirmed_by.is_network_admin or confirmed_by.is_coordinator_of(member.municipality)):
        raise ValidationError(
            _("Nur die Koordination der Kommune bestätigt Qualifizierungen."), code="forbidden"
        )
    qualification.confirmed_by = confirmed_by
    qualification.confirmed_at = timezone.now()
    qualification.save(update_fields=["confirmed_by", "confirmed_at"])
    return qualification


@transaction.atomic
def qualification_delete(*, qualification: Qualification) -> None:
    qualification.delete()


# --- tools and projects ----------------------------------------------------------
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
    from community.models import ProjectInvitation

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
    from community.models import ProjectInvitation

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
    **fields,
) -> Project:
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
    **fields,
) -> Project:
    """Change a project; with ``expected_version``, one changed meanwhile raises
    VersionConflict (under the row lock: of two edits from one version only one wins).
    ``members`` lists who should take part (see ``_project_members_set``)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_version(project, expected_version)
    project.version += 1
    affected = _project_apply(
        project=project, fields=fields, tools=tools, members=members, links=links, by=by
    )
    search_index_update(member_ids=affected)
    _sync_project_chat_room(project)
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    affected = list(project.members.values_list("pk", flat=True))
    _close_project_chat_room(project)
    project.delete()
    search_index_update(member_ids=affected)


def _sync_project_chat_room(project: Project) -> None:
    """The project's chat room holds exactly its active members; open sockets of leavers close."""
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
    from chat import services as chat_services
    from chat.models import Room, RoomKind

    room = Room.objects.filter(kind=RoomKind.PROJECT, object_id=project.pk).first()
    if room is not None and not room.is_closed:
        chat_services.room_close(room=room)


# --- search index ----------------------------------------------------------------
def _document_parts(member: User) -> tuple[str, str, str]:
    expertise = [e.expertise.name for e in member.expertise_entries.all()]
    projects = [p for p in member.projects.all() if p.is_published]
    text_a = " ".join(
        [member.display_name, member.position, member.department, member.handle, *expertise]
    )
    text_b = " ".join(
        [
            member.municipality.name if member.municipality else "",
            *[p.title for p in projects],
            # Events led count as evidence: only those the whole network sees, so a
            # search never reveals an event meant for one municipality or state.
            *[e.title for e in member.search_led_events],
            *[t.name for p in projects for t in p.tools.all()],
            *[str(ProjectKind(p.kind).label) for p in projects],
        ]
    )
    text_c = " ".join([member.bio, *[p.lessons_learned for p in projects]])
    return text_a, text_b, text_c


def _search_facts(member: User) -> dict:
    """What ranking and filters read (see MemberSearchDocument), from prefetched rows."""
    levels = {f"e{e.expertise_id}": e.level for e in member.expertise_entries.all()}
    evidence: dict[str, int] = {}
    projects = []
    for project in member.projects.all():
        if not project.is_published:
            continue
        tool_ids = sorted(tool.pk for tool in project.tools.all())
        projects.append([project.title, project.municipality.name, project.kind, tool_ids])
        keys = [f"k{project.kind}"]
        for tool in project.tools.all():
            keys += [f"t{tool.pk}", f"k{project.kind}t{tool.pk}"]
        for key in keys:
            evidence[key] = evidence.get(key, 0) + 1
    municipality = member.municipality
    return {
        "is_active": member.is_active,
        "display_name": member.display_name,
        "municipality_id": member.municipality_id,
        "state": municipality.state if municipality else "",
        "levels": levels,
        "max_level": max(levels.values(), default=0),
        "evidence": evidence,
        "projects": projects,
    }


SEARCH_FACT_FIELDS = [
    "is_active",
    "display_name",
    "municipality",
    "state",
    "levels",
    "max_level",
    "evidence",
    "projects",
]


def search_index_update(*, member_ids: Iterable[int]) -> None:
    """Rebuild the search documents of these members (published projects only)."""
    member_ids = sorted(set(member_ids))
    with translation.override(settings.LANGUAGE_CODE):  # the index speaks German
        _search_index_build(member_ids)


def _search_index_build(member_ids: list[int]) -> None:
    from django.db.models import Prefetch

    from community.search import get_backend
    from events.models import Audience, Event, EventStatus

    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        members = (
            User.objects.filter(pk__in=chunk)
            .select_related("municipality")
            .prefetch_related(
                Prefetch(
                    "expertise_entries",
                    queryset=MemberExpertise.objects.select_related("expertise"),
                ),
                Prefetch(
                    "projects",
                    queryset=Project.objects.select_related("municipality").prefetch_related(
                        "tools"
                    ),
                ),
                Prefetch(
                    "organized_events",
                    queryset=Event.objects.filter(
                        audience=Audience.NETWORK, status=EventStatus.SCHEDULED
                    ).only("pk", "title"),
                    to_attr="search_led_events",
                ),
            )
        )
        documents = []
        for member in members:
            text_a, text_b, text_c = _document_parts(member)
            documents.append(
                MemberSearchDocument(
                    member=member,
                    text_a=text_a,
                    text_b=text_b,
                    text_c=text_c,
                    **_search_facts(member),
                )
            )
        MemberSearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["member"],
            update_fields=["text_a", "text_b", "text_c", *SEARCH_FACT_FIELDS],
        )
        get_backend().index([d.member_id for d in documents])


# --- notifications (the bell; shared by forum, chat and events) ---------------
def _group_send(group: str, event: dict) -> None:
    """Deliver a live event; a failure loses nothing (the bell reloads from the DB)."""
    import logging

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logging.getLogger(__name__).exception("live delivery to %s failed", group)


def _notification_deliver(notification_id: int) -> None:
    """After commit: ring the bell and, for "immediately", mail once per thread."""
    from community import realtime
    from community.models import EmailFrequency, Notification
    from community.notifications_api import NotificationSerializer

    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None:
        return
    _group_send(
        realtime.user_group(notification.recipient_id),
        {
            "type": realtime.NOTIFICATION_NEW,
            "notification": NotificationSerializer(notification).data,
        },
    )
    recipient = notification.recipient
    if recipient.email_notifications != EmailFrequency.IMMEDIATELY:
        return
    # One mail per unread conversation: while an earlier mail of the same
    # thread is unread, later notifications join the bell, not the inbox.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    already_mailed = (
        notification.thread_key
        and Notification.objects.filter(
            recipient=recipient,
            thread_key=notification.thread_key,
            read_at__isnull=True,
            emailed_at__isnull=False,
        )
        .exclude(pk=notification.pk)
        .exists()
    )
    if not claimed or already_mailed:
        return
    with translation.override(settings.LANGUAGE_CODE):
        emails.send(
            to=recipient.email,
            template="community/email/notification",
            context={"member": recipient, "notification": notification},
        )


@transaction.atomic
def notification_create(
    *,
    recipient: User,
    kind: str,
    text: str,
    url: str,
    thread_key: str = "",
    thread_title: str = "",
    actor: User | None = None,
    mailed_elsewhere: bool = False,
):
    """Tell a member about something; nobody is notified of their own doing.

    The bell rings and the e-mail (if the member wants it immediately) leaves
    only once the transaction has committed. ``mailed_elsewhere``: the caller
    sends its own e-mail for this, so neither an immediate mail nor a digest
    repeats it.
    """
    from community.models import Notification

    if not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    notification = Notification.objects.create(
        recipient=recipient,
        actor=actor,
        kind=kind[:40],
        text=text[:300],
        url=url[:500],
        thread_key=thread_key[:100],
        thread_title=thread_title[:200],
        emailed_at=timezone.now() if mailed_elsewhere else None,
    )
    transaction.on_commit(lambda: _notification_deliver(notification.pk))
    return notification


@transaction.atomic
def notifications_mark_read(
    *, member: User, ids: Iterable[int] | None = None, thread_key: str = ""
) -> int:
    """Mark the member's notifications read: these ids, one thread, or all."""
    from community.models import Notification

    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    if thread_key:
        unread = unread.filter(thread_key=thread_key)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def email_notifications_set(*, member: User, frequency: str) -> User:
    from community.models import EmailFrequency

    if frequency not in EmailFrequency.values:
        raise ValidationError(
            {"email_notifications": ValidationError(_("Ungültige Auswahl."), code="invalid_choice")}
        )
    member.email_notifications = frequency
    member.save(update_fields=["email_notifications"])
    return member


def notification_digest_send(*, frequency: str, now=None) -> int:
    """Mail every member with this frequency one digest of unread, unmailed notifications.

    Bundled per conversation (one line per thread, however many posts); run by
    cron through ``manage.py send_notification_digest``. Returns mails sent.
    """
    from itertools import groupby

    from community.models import Notification

    now = now or timezone.now()
    sent = 0
    pending = (
        Notification.objects.filter(
            recipient__email_notifications=frequency,
            recipient__is_active=True,
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__lte=now,
        )
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    by_recipient = groupby(pending.iterator(chunk_size=2000), lambda n: n.recipient_id)
    for _recipient_id, items in by_recipient:
        items = list(items)
        bundles: dict[str, dict] = {}
        for n in items:
            key = n.thread_key or f"single.{n.pk}"
            bundle = bundles.setdefault(
                key, {"title": n.thread_title or n.text, "url": n.url, "count": 0, "texts": []}
            )
            bundle["count"] += 1
            if len(bundle["texts"]) < 3:
                bundle["texts"].append(n.text)
        with transaction.atomic():
            claimed = Notification.objects.filter(
                pk__in=[n.pk for n in items], emailed_at__isnull=True
            ).update(emailed_at=now)
            if not claimed:
                continue
            recipient = items[0].recipient
            with translation.override(settings.LANGUAGE_CODE):
                emails.send(
                    to=recipient.email,
                    template="community/email/notification_digest",
                    context={"member": recipient, "bundles": list(bundles.values())},
                )
            sent += 1
    return sent
