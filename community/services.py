"""Writes of the community app: municipalities, members, invitations, sign-up.

Every function is keyword-only, runs in one transaction and sends its e-mails
only once that transaction has committed.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import emails, throttling
from community.markdown import render_markdown
from community.models import EmailDomain, Invitation, Municipality, Role, User

SIGNUP_SALT = "community.signup"
INVITABLE_ROLES = {Role.MEMBER, Role.COORDINATOR}
INVITABLE_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in INVITABLE_ROLES]


# --- helpers --------------------------------------------------------------
def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def normalize_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@").rstrip(".")


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slugify(value: str) -> str:
    """ "Gießen" → "giessen", "Müller" → "mueller" (slugify alone drops the letters)."""
    return slugify((value or "").translate(GERMAN_TRANSLITERATION))


def _unique_slug(model, field: str, base: str, fallback: str, max_length: int) -> str:
    base = (german_slugify(base) or fallback)[: max_length - 6].strip("-") or fallback
    candidate, n = base, 1
    while model.objects.filter(**{field: candidate}).exists():
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


def unique_handle(display_name: str) -> str:
    return _unique_slug(User, "handle", display_name, "mitglied", 60)


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
    return municipality


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
    if is_active is False:
        member_sessions_end(member=member)
    return member


def member_sessions_end(*, member: User) -> None:
    """Sign a member out everywhere: API tokens and browser sessions."""
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=member).delete()
    # Sessions are signed blobs; only decoding them tells whose they are.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(member.pk):
            session.delete()


@transaction.atomic
def member_deactivate(*, member: User) -> User:
    return member_update(member=member, is_active=False)


def member_token(*, member: User) -> str:
    """The member's API token, created on first use."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=member)
    return token.key


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
    """Create a member of ``municipality``; without a password, e-mail an invitation."""
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            {
                "role": ValidationError(
                    _("Diese Rolle kann nicht eingeladen werden."), code="invalid"
                )
            }
        )
    member = member_create(
        email=email,
        display_name=display_name,
        municipality=municipality,
        role=role,
        password=password,
    )
    if not password:
        invitation_send(member=member, invited_by=invited_by)
    return member


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
    if User.objects.filter(email=email).exists():
        transaction.on_commit(
            lambda: emails.send(
                to=email,
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
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            _("Mit dieser Adresse gibt es schon ein Konto. Melden Sie sich an."), code="exists"
        )
    return member_create(
        email=email, display_name=display_name, municipality=municipality, password=password
    )
