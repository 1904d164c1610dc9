"""Sign-in through a municipality's OpenID Connect provider (issue 21): its configuration,
the members it signs in, and the end of access for those who left.

The protocol itself (discovery, code exchange, ID token checks) is community.oidc.
"""

from dataclasses import dataclass
from datetime import timedelta

from authlib.common.security import is_secure_transport
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import hooks
from community.models import EmailDomain, Municipality, OidcIdentity, OidcProvider, Role, User
from community.oidc import SEALING_PURPOSE, OidcError
from community.services.members import member_create, member_deactivate, member_update_profile
from core import sealing
from core.addresses import canonical_email, email_domain


def _may_approve(by: User | None) -> bool:
    # None: the operator on the command line (manage.py municipality_oidc).
    return by is None or by.is_network_admin


def _clear_proposal(provider: OidcProvider) -> None:
    provider.proposed_issuer = provider.proposed_client_id = ""
    provider.proposed_client_secret_sealed = provider.proposed_email_claim = ""
    provider.proposed_required = False
    provider.proposed_at = None


def _settings(provider: OidcProvider, *, proposed: bool = False) -> tuple:
    if proposed:
        return (
            provider.proposed_issuer,
            provider.proposed_client_id,
            provider.proposed_email_claim,
            provider.proposed_required,
        )
    return (provider.issuer, provider.client_id, provider.email_claim, provider.required)


@transaction.atomic
def oidc_provider_set(
    *,
    municipality: Municipality,
    issuer: str,
    client_id: str,
    client_secret: str | None = None,
    email_claim: str = "email",
    required: bool = False,
    by: User | None,
) -> OidcProvider:
    """Connect a municipality to its provider, or change the connection.

    An administrator's (or the operator's) change is approved at once. A coordinator's
    for their own municipality is a proposal: a first one waits in the provider's own
    fields (inactive until approved); a change to an approved connection waits in the
    ``proposed_*`` fields while the approved settings stay in force, so members keep
    signing in until an administrator approves (or rejects) the change.
    """
    if not _may_approve(by) and not (by and by.is_coordinator_of(municipality)):
        raise PermissionDenied
    issuer = (issuer or "").strip().rstrip("/")
    if not is_secure_transport(issuer):
        raise ValidationError(
            {"issuer": _("Der Anbieter muss über https erreichbar sein.")}, code="insecure"
        )
    provider = OidcProvider.objects.select_for_update().filter(municipality=municipality).first()
    provider = provider or OidcProvider(municipality=municipality)
    wanted = (issuer, (client_id or "").strip(), (email_claim or "email").strip(), required)
    sealed = sealing.seal(client_secret, purpose=SEALING_PURPOSE) if client_secret else ""
    if not _may_approve(by) and provider.is_approved:
        return _propose_change(provider, wanted=wanted, sealed=sealed, by=by)
    before = _settings(provider)
    provider.issuer, provider.client_id, provider.email_claim, provider.required = wanted
    changed = bool(sealed) or before != wanted
    if sealed:
        provider.client_secret_sealed = sealed
    if not provider.client_secret_sealed:
        raise ValidationError(
            {"client_secret": _("Bitte geben Sie das Client-Geheimnis an.")}, code="required"
        )
    proposed = False
    if _may_approve(by):
        # The administrator's own settings replace any change still waiting.
        provider.approved_at, provider.approved_by = timezone.now(), by
        _clear_proposal(provider)
    elif changed or provider.pk is None:
        provider.approved_at, provider.approved_by, provider.proposed_by = None, None, by
        proposed = True
    provider.full_clean(exclude=["municipality"])
    provider.save()
    cache.delete(f"oidc:discovery:{provider.issuer}")
    if proposed:
        hooks.oidc_proposed.send(sender=OidcProvider, provider=provider, by=by)
    return provider


def _propose_change(
    provider: OidcProvider, *, wanted: tuple, sealed: str, by: User
) -> OidcProvider:
    """A coordinator's change to an approved connection: kept aside until approved."""
    previous = (
        (*_settings(provider, proposed=True), provider.proposed_client_secret_sealed)
        if provider.has_proposal
        else None
    )
    if not sealed and wanted == _settings(provider):
        # Back to what is approved: nothing left to approve.
        _clear_proposal(provider)
        provider.save()
        return provider
    (
        provider.proposed_issuer,
        provider.proposed_client_id,
        provider.proposed_email_claim,
        provider.proposed_required,
    ) = wanted
    provider.proposed_client_secret_sealed = (
        sealed or provider.proposed_client_secret_sealed or provider.client_secret_sealed
    )
    current = (*wanted, provider.proposed_client_secret_sealed)
    if current == previous:
        return provider
    provider.proposed_at, provider.proposed_by = timezone.now(), by
    _check_proposal(provider)
    provider.save()
    hooks.oidc_proposed.send(sender=OidcProvider, provider=provider, by=by)
    return provider


def _check_proposal(provider: OidcProvider) -> None:
    """The model's own checks, applied to the proposed values."""
    candidate = OidcProvider(
        municipality_id=provider.municipality_id,
        issuer=provider.proposed_issuer,
        client_id=provider.proposed_client_id,
        email_claim=provider.proposed_email_claim,
        required=provider.proposed_required,
        client_secret_sealed=provider.proposed_client_secret_sealed,
    )
    candidate.full_clean(exclude=["municipality"], validate_constraints=False)


@transaction.atomic
def oidc_provider_approve(*, provider: OidcProvider, by: User) -> OidcProvider:
    """An administrator's approval makes a proposal active; who and when is recorded.

    A change proposed to an approved connection replaces the approved settings now.
    """
    if not by.is_network_admin:
        raise PermissionDenied
    provider = OidcProvider.objects.select_for_update().get(pk=provider.pk)
    old_issuer = provider.issuer
    if provider.has_proposal:
        (
            provider.issuer,
            provider.client_id,
            provider.email_claim,
            provider.required,
        ) = _settings(provider, proposed=True)
        provider.client_secret_sealed = provider.proposed_client_secret_sealed
        _clear_proposal(provider)
    provider.approved_at, provider.approved_by = timezone.now(), by
    provider.save()
    cache.delete_many([f"oidc:discovery:{old_issuer}", f"oidc:discovery:{provider.issuer}"])
    return provider


@transaction.atomic
def oidc_provider_reject(*, provider: OidcProvider, by: User) -> OidcProvider | None:
    """An administrator turns a proposal down: a change to an approved connection is
    dropped (the approved settings stay), a first proposal is deleted (returns None)."""
    if not by.is_network_admin:
        raise PermissionDenied
    provider = OidcProvider.objects.select_for_update().get(pk=provider.pk)
    if provider.has_proposal:
        _clear_proposal(provider)
        provider.save()
        return provider
    if not provider.is_approved:
        provider.delete()
        return None
    return provider


@transaction.atomic
def oidc_provider_remove(*, municipality: Municipality) -> bool:
    """Disconnect; members keep their accounts (and set a password by the reset link)."""
    deleted, _detail = OidcProvider.objects.filter(municipality=municipality).delete()
    return bool(deleted)


def oidc_provider_for_email(email: str) -> OidcProvider | None:
    """The approved provider of the municipality the address's domain belongs to."""
    domain = email_domain(email or "")
    if not domain:
        return None
    return (
        OidcProvider.objects.select_related("municipality")
        .filter(
            approved_at__isnull=False,
            municipality__email_domains__domain=domain,
        )
        .first()
    )


def oidc_required_for(*, email: str = "", member: User | None = None) -> bool:
    """Whether password sign-in is closed for this address or member (provider ``required``)."""
    provider = oidc_provider_for_email(email) if email else None
    if provider is not None and provider.required:
        return True
    if member is not None and member.municipality_id:
        return OidcProvider.objects.filter(
            municipality_id=member.municipality_id, approved_at__isnull=False, required=True
        ).exists()
    return False


@dataclass(frozen=True)
class OidcOutcome:
    """What a verified ID token means: a member to sign in, or one to link first."""

    member: User
    needs_link: bool = False


def _claim_text(claims: dict, name: str, max_length: int) -> str:
    value = claims.get(name)
    return " ".join(value.split())[:max_length] if isinstance(value, str) else ""


def _claimed_email(provider: OidcProvider, claims: dict) -> str:
    email = claims.get(provider.email_claim)
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise OidcError("email_missing")
    if "email_verified" in claims and claims["email_verified"] is not True:
        raise OidcError("email_unverified")
    domains = set(
        EmailDomain.objects.filter(municipality_id=provider.municipality_id).values_list(
            "domain", flat=True
        )
    )
    if email_domain(email) not in domains:
        raise OidcError("email_foreign_domain")
    return email


def _apply_claims(identity: OidcIdentity, claims: dict) -> None:
    """Name and department from the provider, where the member has not changed them here."""
    member = identity.member
    name = _claim_text(claims, "name", 150)
    department = _claim_text(claims, "department", 200)
    changes = {}
    if name and member.display_name == identity.display_name_claim and name != member.display_name:
        changes["display_name"] = name
    if (
        "department" in claims
        and member.department == identity.department_claim
        and department != member.department
    ):
        changes["department"] = department
    if changes:
        try:
            member_update_profile(member=member, **changes)
        except ValidationError:
            # A value the platform does not accept as a profile field: keep the old one.
            return
    identity.display_name_claim = name or identity.display_name_claim
    if "department" in claims:
        identity.department_claim = department


@transaction.atomic
def oidc_signin(*, provider: OidcProvider, claims: dict) -> OidcOutcome:
    """The member behind verified claims: known, new (created), or existing but not yet linked."""
    email = _claimed_email(provider, claims)
    now = timezone.now()
    identity = (
        OidcIdentity.objects.select_for_update()
        .select_related("member")
        .filter(provider=provider, issuer=provider.issuer, subject=claims["sub"])
        .first()
    )
    if identity is not None:
        member = identity.member
        if not member.is_active:
            raise OidcError("member_inactive")
        if member.municipality_id != provider.municipality_id:
            raise OidcError("member_other_municipality")
        _apply_claims(identity, claims)
        identity.last_signin_at = now
        identity.save()
        return OidcOutcome(member=member)
    existing = User.objects.filter(email_canonical=canonical_email(email)).first()
    if existing is not None:
        if not existing.is_active:
            raise OidcError("member_inactive")
        if existing.municipality_id not in (None, provider.municipality_id):
            raise OidcError("member_other_municipality")
        earlier = OidcIdentity.objects.select_for_update().filter(member=existing).first()
        if earlier is not None:
            if earlier.provider_id != provider.pk or earlier.issuer == provider.issuer:
                raise OidcError("member_linked_elsewhere")
            # The municipality moved to another issuer, which an administrator approved,
            # and it vouches for this member's verified address of the municipality's
            # domain: the link moves to the new issuer's subject.
            earlier.issuer, earlier.subject = provider.issuer, claims["sub"]
            _apply_claims(earlier, claims)
            earlier.last_signin_at = now
            earlier.save()
            return OidcOutcome(member=existing)
        return OidcOutcome(member=existing, needs_link=True)
    name = _claim_text(claims, "name", 150) or email.split("@")[0]
    department = _claim_text(claims, "department", 200)
    try:
        member = member_create(
            email=email,
            display_name=name,
            municipality=provider.municipality,
            department=department,
        )
    except ValidationError as exc:
        raise OidcError("claims_invalid") from exc
    OidcIdentity.objects.create(
        member=member,
        provider=provider,
        issuer=provider.issuer,
        subject=claims["sub"],
        display_name_claim=member.display_name,
        department_claim=department,
        last_signin_at=now,
    )
    return OidcOutcome(member=member)


@transaction.atomic
def oidc_link(*, member: User, provider: OidcProvider, claims: dict) -> User:
    """Link an existing member to the provider once they confirmed with their password."""
    email = _claimed_email(provider, claims)
    if canonical_email(email) != member.email_canonical:
        raise OidcError("email_mismatch")
    if OidcIdentity.objects.filter(
        provider=provider, issuer=provider.issuer, subject=claims["sub"]
    ).exists():
        raise OidcError("member_linked_elsewhere")
    if member.municipality_id is None:
        member.municipality = provider.municipality
        member.save(update_fields=["municipality"])
    identity = OidcIdentity(
        member=member,
        provider=provider,
        issuer=provider.issuer,
        subject=claims["sub"],
        display_name_claim=member.display_name,
        department_claim=member.department,
        last_signin_at=timezone.now(),
    )
    identity.save()
    return member


def oidc_members_expire(*, max_age_days: int, now=None) -> int:
    """Deactivate members of municipalities with a provider who have not signed in there
    for ``max_age_days``: whoever left the municipality can no longer sign in at its
    provider, and so loses access here too. Returns how many were deactivated."""
    if max_age_days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=max_age_days)
    stale_identity = User.objects.filter(
        is_active=True,
        oidc_identity__last_signin_at__lt=cutoff,
        oidc_identity__provider__approved_at__isnull=False,
    )
    # Where the provider is required, an account never linked to it ages from its start.
    never_linked = User.objects.filter(
        is_active=True,
        oidc_identity__isnull=True,
        municipality__oidc_provider__required=True,
        municipality__oidc_provider__approved_at__lt=cutoff,
        date_joined__lt=cutoff,
    )
    count = 0
    for member in (stale_identity | never_linked).exclude(role=Role.ADMIN).distinct():
        member_deactivate(member=member)
        count += 1
    return count
