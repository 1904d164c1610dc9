"""How a person becomes a member: invitations and self-registration."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import selectors
from community.models import (
    Invitation,
    Municipality,
    Role,
    User,
)
from community.services.members import member_create
from community.signals import member_profiles_changed_send
from core import emails, throttling
from core.addresses import canonical_email, email_domain, normalize_email
from core.site import absolute_url
from core.tokens import hash_token

SIGNUP_SALT = "community.signup"
INVITABLE_ROLES = {Role.MEMBER, Role.COORDINATOR}
INVITABLE_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in INVITABLE_ROLES]


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
    link = absolute_url(reverse("invitation_accept", kwargs={"token": token}))
    transaction.on_commit(
        lambda: emails.send(
            to=member.email,
            template="community/email/invitation",
            context={"member": member, "invited_by": invited_by, "link": link},
        )
    )
    return token


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
    member_profiles_changed_send(member_ids=[member.pk])  # name and active flag may have changed
    throttling.signin_reset(email=member.email)
    return member


@transaction.atomic
def signup_request(*, email: str) -> None:
    """Send a confirmation link to an address on a registered municipal domain.

    Whether the address already has an account is told only to its mailbox, so
    the form cannot be used to find out who is a member.
    """
    email = normalize_email(email)
    User(email=email).clean_fields(exclude=[f.name for f in User._meta.fields if f.name != "email"])
    municipality = selectors.municipality_for_email(email)
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
                context={"link": absolute_url(reverse("password_reset"))},
            )
        )
        return
    token = signing.dumps({"email": email}, salt=SIGNUP_SALT)
    link = absolute_url(reverse("signup_confirm", kwargs={"token": token}))
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
    municipality = selectors.municipality_for_email(email)
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
