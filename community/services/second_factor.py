"""The second factor: authenticator app (TOTP, RFC 6238), passkeys (WebAuthn) and
one-time recovery codes (issue 21).

TOTP codes are computed by pyotp, WebAuthn ceremonies are checked by py_webauthn;
secrets at rest are sealed with a key derived from SECRET_KEY (core.sealing).
A code is accepted in the current 30-second step and one step either side (clock
skew), and only in a step later than the last one used (no replay).
"""

import secrets
from dataclasses import dataclass, field

import pyotp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from community.models import ApiToken, Passkey, RecoveryCode, Role, TotpDevice, User
from community.services.members import member_other_sessions_end
from core import sealing

TOTP_PURPOSE = "community.totp"
RECOVERY_PURPOSE = "community.recovery"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 12
TOTP_DIGITS = 6
TOTP_SKEW_STEPS = 1
OTP_MAX_LENGTH = 32
PASSKEY_NAME_LENGTH = 100
ROLES_REQUIRING = (Role.ADMIN, Role.MODERATOR, Role.COORDINATOR)


def _invalid_code() -> ValidationError:
    return ValidationError(_("Der Code stimmt nicht."), code="otp_invalid")


# --- who needs one, who has one ----------------------------------------------------------
def second_factor_required(member: User) -> bool:
    """Whether the member's role (or the operator's ``SECOND_FACTOR_REQUIRED_FOR``) demands one."""
    scope = settings.SECOND_FACTOR_REQUIRED_FOR
    if scope == "all":
        return True
    if scope == "roles":
        return member.is_staff or member.is_superuser or member.role in ROLES_REQUIRING
    return False


def member_has_second_factor(member: User) -> bool:
    """A confirmed authenticator app or a passkey (recovery codes alone are no factor)."""
    return (
        TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(user=member).exists()
    )


def second_factor_missing(member: User) -> bool:
    return second_factor_required(member) and not member_has_second_factor(member)


@dataclass(frozen=True)
class FactorAdded:
    """What adding a factor did: fresh recovery codes (shown once; none when the member
    already had a factor and kept theirs) and, for the first factor, the older access
    that ended (API tokens issued on the password alone, other browser sessions)."""

    recovery_codes: list[str] = field(default_factory=list)
    revoked_tokens: int = 0
    ended_sessions: int = 0
    passkey: Passkey | None = None


def _older_access_end(
    member: User, *, except_session_key: str | None, except_token: ApiToken | None
) -> tuple[int, int]:
    """The first factor closes what the password alone opened before it: whoever stole
    the password could have minted a token or kept a session that would outlive the
    factor. The session or token that adds the factor stays. Returns (tokens, sessions)."""
    tokens = ApiToken.objects.filter(user=member, second_factor=False)
    if except_token is not None:
        tokens = tokens.exclude(pk=except_token.pk)
    _total, by_model = tokens.delete()
    sessions = member_other_sessions_end(member=member, except_session_key=except_session_key)
    return by_model.get(ApiToken._meta.label, 0), sessions


def _refuse_removing_the_last(member: User, *, totp: bool = False, passkey_pk=None) -> None:
    """A member whose role requires a factor keeps at least one (the admin's reset aside)."""
    if not second_factor_required(member):
        return
    User.objects.select_for_update().filter(pk=member.pk).first()  # one removal at a time
    remaining_totp = (
        not totp and TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).exists()
    )
    remaining_passkeys = Passkey.objects.filter(user=member).exclude(pk=passkey_pk).exists()
    if not remaining_totp and not remaining_passkeys:
        raise ValidationError(
            _(
                "Ihre Rolle verlangt einen zweiten Faktor. Richten Sie zuerst einen anderen "
                "ein (Authenticator-App oder Passkey), bevor Sie diesen entfernen."
            ),
            code="last_factor_required",
        )


# --- authenticator app ---------------------------------------------------------------------
def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS)


def totp_secret(device: TotpDevice) -> str:
    return sealing.unseal(device.secret_encrypted, purpose=TOTP_PURPOSE)


def totp_provisioning_uri(*, member: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=member.email, issuer_name=settings.SITE_NAME)


@transaction.atomic
def totp_begin(*, member: User) -> tuple[TotpDevice, str]:
    """A new, unconfirmed authenticator (replacing one being set up); returns its secret."""
    TotpDevice.objects.filter(user=member, confirmed_at__isnull=True).delete()
    secret = pyotp.random_base32()
    device = TotpDevice.objects.create(
        user=member, secret_encrypted=sealing.seal(secret, purpose=TOTP_PURPOSE)
    )
    return device, secret


def _digits(otp: str) -> str | None:
    code = "".join((otp or "").split())
    return code if len(code) == TOTP_DIGITS and code.isascii() and code.isdigit() else None


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step (now ± TOTP_SKEW_STEPS) whose code is ``code`` and that was not used yet."""
    try:
        totp = _totp(totp_secret(device))
    except sealing.Unreadable:
        return None
    now_step = totp.timecode(timezone.now())
    for step in range(now_step - TOTP_SKEW_STEPS, now_step + TOTP_SKEW_STEPS + 1):
        if device.last_used_step is not None and step <= device.last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def totp_confirm(
    *,
    member: User,
    otp: str,
    except_session_key: str | None = None,
    except_token: ApiToken | None = None,
) -> FactorAdded:
    """Confirm the authenticator being set up with a current code, with a fresh set of
    recovery codes (shown once). A previously confirmed authenticator is replaced; the
    first factor ends older access but the given session and token (``_older_access_end``)."""
    device = (
        TotpDevice.objects.select_for_update()
        .filter(user=member, confirmed_at__isnull=True)
        .first()
    )
    if device is None:
        raise ValidationError(
            _("Es wird gerade keine Authenticator-App eingerichtet."), code="no_pending_totp"
        )
    code = _digits(otp)
    step = _matching_step(device, code) if code else None
    if step is None:
        raise _invalid_code()
    first = not member_has_second_factor(member)
    TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).delete()
    device.confirmed_at = timezone.now()
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step"])
    revoked, ended = (
        _older_access_end(member, except_session_key=except_session_key, except_token=except_token)
        if first
        else (0, 0)
    )
    return FactorAdded(
        recovery_codes=recovery_codes_renew(member=member),
        revoked_tokens=revoked,
        ended_sessions=ended,
    )


@transaction.atomic
def totp_remove(*, member: User) -> None:
    """Remove the authenticator app; refused (``last_factor_required``) if it is the last
    factor of a member whose role requires one."""
    if TotpDevice.objects.filter(user=member, confirmed_at__isnull=False).exists():
        _refuse_removing_the_last(member, totp=True)
    TotpDevice.objects.filter(user=member).delete()
    _forget_recovery_codes_without_factor(member)


# --- recovery codes ------------------------------------------------------------------------
def _normalise_recovery(otp: str) -> str:
    return "".join(ch for ch in (otp or "").lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


@transaction.atomic
def recovery_codes_renew(*, member: User) -> list[str]:
    """A new set of ``RECOVERY_CODES`` codes; the old set stops working. Only keyed
    hashes are stored: the codes are shown this once."""
    RecoveryCode.objects.filter(user=member).delete()
    codes = [_new_recovery_code() for _i in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            user=member,
            code_hash=sealing.keyed_digest(_normalise_recovery(code), purpose=RECOVERY_PURPOSE),
        )
        for code in codes
    )
    return codes


def _forget_recovery_codes_without_factor(member: User) -> None:
    if not member_has_second_factor(member):
        RecoveryCode.objects.filter(user=member).delete()


def _use_recovery_code(member: User, otp: str) -> bool:
    normalised = _normalise_recovery(otp)
    if len(normalised) != RECOVERY_LENGTH:
        return False
    digests = sealing.keyed_digests(normalised, purpose=RECOVERY_PURPOSE)
    # One UPDATE: of two requests racing with the same code, only one marks it used.
    return bool(
        RecoveryCode.objects.filter(
            user=member, code_hash__in=digests, used_at__isnull=True
        ).update(used_at=timezone.now())
    )


def otp_well_formed(otp) -> bool:
    """Six digits (spaces allowed) or the shape of a recovery code: what forms and
    serializers accept before a code is checked at all."""
    if not isinstance(otp, str) or len(otp) > OTP_MAX_LENGTH:
        return False
    if _digits(otp) is not None:
        return True
    normalised = _normalise_recovery(otp)
    if len(normalised) != RECOVERY_LENGTH or not normalised.isascii():
        return False
    return all(ch in RECOVERY_ALPHABET for ch in normalised)


def otp_shape_message() -> str:
    return _("Ein Code besteht aus 6 Ziffern oder ist ein Wiederherstellungscode (xxxx-xxxx-xxxx).")


# --- checking a code -------------------------------------------------------------------------
@transaction.atomic
def second_factor_code_use(*, member: User, otp: str) -> str:
    """Accept a current authenticator code or an unused recovery code, once.

    Returns ``"totp"`` or ``"recovery"``; raises ValidationError ``otp_invalid``.
    """
    if not isinstance(otp, str) or not otp.strip() or len(otp) > OTP_MAX_LENGTH:
        raise _invalid_code()
    code = _digits(otp)
    if code is not None:
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=member, confirmed_at__isnull=False)
            .first()
        )
        step = _matching_step(device, code) if device is not None else None
        if step is None:
            raise _invalid_code()
        device.last_used_step = step
        device.save(update_fields=["last_used_step"])
        return "totp"
    if _use_recovery_code(member, otp):
        return "recovery"
    raise _invalid_code()


# --- passkeys (WebAuthn) -----------------------------------------------------------------------
def _user_handle(member: User) -> bytes:
    return f"lotsennetz-{member.pk}".encode()


def _descriptors(member: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid))
        for cid in Passkey.objects.filter(user=member).values_list("credential_id", flat=True)
    ]


def passkey_registration_options(*, member: User, rp_id: str) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.create`` (JSON) and their challenge."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.SITE_NAME,
        user_id=_user_handle(member),
        user_name=member.email,
        user_display_name=str(member.display_name or member.email),
        exclude_credentials=_descriptors(member),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def _passkey_refused(exc: Exception | None = None) -> ValidationError:
    return ValidationError(
        _("Der Passkey konnte nicht geprüft werden. Bitte versuchen Sie es noch einmal."),
        code="passkey_invalid",
    )


@transaction.atomic
def passkey_register(
    *,
    member: User,
    credential,
    challenge: bytes,
    rp_id: str,
    origin: str,
    name: str = "",
    except_session_key: str | None = None,
    except_token: ApiToken | None = None,
) -> FactorAdded:
    """Store a new passkey after py_webauthn verified the authenticator's answer. The
    first factor comes with recovery codes and ends older access (``_older_access_end``)."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise _passkey_refused(exc) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise _passkey_refused()
    first = not member_has_second_factor(member)
    passkey = Passkey.objects.create(
        user=member,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=(name or "").strip()[:PASSKEY_NAME_LENGTH] or _("Passkey"),
    )
    if not first:
        return FactorAdded(passkey=passkey)
    revoked, ended = _older_access_end(
        member, except_session_key=except_session_key, except_token=except_token
    )
    return FactorAdded(
        passkey=passkey,
        recovery_codes=recovery_codes_renew(member=member),
        revoked_tokens=revoked,
        ended_sessions=ended,
    )


def passkey_authentication_options(*, member: User, rp_id: str) -> tuple[str, bytes]:
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(member),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


@transaction.atomic
def passkey_use(*, member: User, credential, challenge: bytes, rp_id: str, origin: str) -> Passkey:
    """Check a passkey assertion of the member; the signature count moves forward."""
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = (
        Passkey.objects.select_for_update().filter(user=member, credential_id=credential_id).first()
        if isinstance(credential_id, str)
        else None
    )
    if passkey is None:
        raise _passkey_refused()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise _passkey_refused(exc) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey


@transaction.atomic
def passkey_remove(*, passkey: Passkey) -> None:
    """Remove a passkey; refused (``last_factor_required``) as ``totp_remove`` is."""
    member = passkey.user
    _refuse_removing_the_last(member, passkey_pk=passkey.pk)
    passkey.delete()
    _forget_recovery_codes_without_factor(member)


@transaction.atomic
def second_factor_reset(*, member: User) -> None:
    """Remove every factor of a member who lost them (by an administrator, on request);
    the member signs in with the password alone and, if their role requires it, sets up
    a new one at once."""
    TotpDevice.objects.filter(user=member).delete()
    Passkey.objects.filter(user=member).delete()
    RecoveryCode.objects.filter(user=member).delete()
