"""Signing in by e-mail address, with throttling shared by every door that checks a password.

The sign-in page, the admin login, ``POST /api/auth/token/``, the password
change and the account erasure all count failures on the same throttle
(core.throttling) and honour the same device cookies.
"""

from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from community.models import User
from community.services.oidc import oidc_required_for
from community.services.second_factor import member_has_second_factor, second_factor_code_use
from core import throttling
from core.addresses import canonical_email

OIDC_REQUIRED_MESSAGE = _lazy(
    "Ihre Kommune meldet ihre Mitglieder über ihren eigenen Identitätsanbieter an; die "
    "Anmeldung mit Passwort ist für Ihr Konto nicht möglich. Bitte geben Sie auf der "
    "Anmeldeseite nur Ihre dienstliche E-Mail-Adresse ein."
)


class EmailBackend(ModelBackend):
    """ModelBackend by e-mail address in any spelling (the manager looks up its canonical form)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = kwargs.get("email", username)
        if email is None or password is None:
            return None
        return super().authenticate(request, username=canonical_email(email), password=password)


def _throttle_for(request, email: str) -> tuple[str | None, str | None]:
    """The client address and, if this browser signed in to the account before, its device."""
    address = throttling.client_address(request)
    # A browser that signed in to this account before is judged by its own failures only.
    device = throttling.trusted_device(
        email=email, cookie=request.COOKIES.get(throttling.DEVICE_COOKIE)
    )
    if throttling.signin_blocked(email=email, address=address, device=device):
        raise ValidationError(
            _(
                "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie eine Viertelstunde "
                "oder setzen Sie Ihr Passwort zurück."
            ),
            code="throttled",
        )
    return address, device


def sign_in(*, request, email: str, password: str) -> User:
    """Check credentials under the throttle; raise ValidationError with a reason.

    The throttle counts the canonical address: no spelling gets a fresh counter.
    """
    email = canonical_email(email or "")
    if oidc_required_for(email=email):
        raise ValidationError(OIDC_REQUIRED_MESSAGE, code="oidc_required")
    address, device = _throttle_for(request, email)
    user = authenticate(request, email=email, password=password)
    if user is None:
        throttling.signin_failed(email=email, address=address, device=device)
        raise ValidationError(
            _("E-Mail-Adresse oder Passwort stimmen nicht."), code="invalid_login"
        )
    if oidc_required_for(member=user):
        raise ValidationError(OIDC_REQUIRED_MESSAGE, code="oidc_required")
    # With a second factor the lockout lifts only after the code: else knowing the
    # password would reset the count of wrong codes before each new round of guesses.
    if not member_has_second_factor(user):
        throttling.signin_reset(email=email, device=device)
    return user


def password_check(*, request, member: User, password: str) -> None:
    """Confirm a signed-in member's password (to change it, to erase the account).

    Counts on the sign-in throttle, so a stolen session cannot guess the
    password here any faster than at the sign-in page.
    """
    email = member.email_canonical or canonical_email(member.email)
    address, device = _throttle_for(request, email)
    if not member.check_password(password or ""):
        throttling.signin_failed(email=email, address=address, device=device)
        raise ValidationError(_("Das Passwort stimmt nicht."), code="password_incorrect")
    throttling.signin_reset(email=email, device=device)


def second_factor_check(*, request, member: User, otp: str) -> str:
    """Check a second-factor code (authenticator or recovery) on the sign-in throttle.

    A wrong code counts as a wrong password would: five per account (or per known
    browser) and the door closes for a quarter of an hour. Returns the kind of code.
    """
    email = member.email_canonical or canonical_email(member.email)
    address, device = _throttle_for(request, email)
    try:
        kind = second_factor_code_use(member=member, otp=otp)
    except ValidationError:
        throttling.signin_failed(email=email, address=address, device=device)
        raise
    throttling.signin_reset(email=email, device=device)
    return kind


def second_factor_failed(*, request, member: User) -> None:
    """A failed passkey check counts on the same throttle as a wrong code."""
    email = member.email_canonical or canonical_email(member.email)
    address, device = _throttle_for(request, email)
    throttling.signin_failed(email=email, address=address, device=device)


def second_factor_throttled(*, request, member: User) -> None:
    """Raise the throttle's ValidationError if this account is locked right now."""
    _throttle_for(request, member.email_canonical or canonical_email(member.email))
