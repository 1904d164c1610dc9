"""Pages of the sign-in through a municipality's identity provider (issue 21).

The browser goes to the provider with ``state``, ``nonce`` and a PKCE challenge kept in
the session; the callback takes them out of the session at once (one try per start),
exchanges the code, checks the ID token (community.oidc) and signs the member in. The
platform's own second factor is not asked: the provider is responsible for how strongly
it authenticates. Every failure is a page with a reason (4xx); the log names the
outcome, never a secret, code or token.
"""

import hmac
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from community import oidc, services
from community.backends import password_check
from community.forms import OidcLinkForm
from community.models import OidcProvider, User

logger = logging.getLogger("lotsennetz.oidc")

BACKEND = "community.backends.EmailBackend"
PENDING_KEY = "oidc_pending"
LINK_KEY = "oidc_link"
ID_TOKEN_KEY = "oidc_id_token"
PROVIDER_KEY = "oidc_provider"
SECOND_FACTOR_KEY = "oidc_second_factor"
# The pending state of the platform's own second step (community.views.PENDING_KEY).
SECOND_STEP_KEY = "second_factor_pending"
CSP_FORM_ACTION_KEY = "csp_form_action"  # read by config.middleware
PENDING_SECONDS = 10 * 60
MAX_PARAMETER_LENGTH = 2048

REASONS = {
    "no_pending": gettext_lazy(
        "Diese Anmeldung wurde nicht hier begonnen oder ist abgelaufen. Bitte beginnen Sie "
        "noch einmal auf der Anmeldeseite."
    ),
    "state_mismatch": gettext_lazy(
        "Die Antwort des Identitätsanbieters gehört nicht zu Ihrer Anmeldung. Bitte beginnen "
        "Sie noch einmal."
    ),
    "bad_request": gettext_lazy(
        "Die Antwort des Identitätsanbieters ist unvollständig oder ungültig."
    ),
    "access_denied": gettext_lazy(
        "Ihr Identitätsanbieter hat die Anmeldung abgelehnt. Wenn Sie nicht mehr für Ihre "
        "Kommune tätig sind, endet damit auch Ihr Zugang zum Lotsennetz; sonst wenden Sie "
        "sich bitte an die IT Ihrer Kommune."
    ),
    "provider_error": gettext_lazy(
        "Ihr Identitätsanbieter hat die Anmeldung mit einem Fehler beendet. Bitte versuchen "
        "Sie es später noch einmal."
    ),
    "provider_unavailable": gettext_lazy(
        "Der Identitätsanbieter Ihrer Kommune ist gerade nicht erreichbar. Bitte versuchen "
        "Sie es später noch einmal."
    ),
    "provider_misconfigured": gettext_lazy(
        "Der Identitätsanbieter Ihrer Kommune ist nicht richtig eingerichtet. Bitte wenden "
        "Sie sich an die Administration."
    ),
    "provider_gone": gettext_lazy(
        "Ihre Kommune ist nicht mehr mit diesem Identitätsanbieter verbunden."
    ),
    "code_refused": gettext_lazy(
        "Der Identitätsanbieter hat die Anmeldung nicht bestätigt (der Code ist ungültig "
        "oder wurde schon benutzt). Bitte beginnen Sie noch einmal."
    ),
    "no_id_token": gettext_lazy("Der Identitätsanbieter hat keinen Identitätsnachweis gesendet."),
    "id_token_invalid": gettext_lazy(
        "Der Identitätsnachweis des Anbieters ist ungültig (Signatur, Aussteller, Empfänger "
        "oder Gültigkeit stimmen nicht)."
    ),
    "claims_invalid": gettext_lazy(
        "Name oder Fachbereich vom Identitätsanbieter sind für ein Konto im Lotsennetz "
        "nicht geeignet. Bitte wenden Sie sich an die Koordination Ihrer Kommune."
    ),
    "email_missing": gettext_lazy("Der Identitätsanbieter hat keine E-Mail-Adresse gesendet."),
    "email_unverified": gettext_lazy(
        "Der Identitätsanbieter hat Ihre E-Mail-Adresse nicht als bestätigt gemeldet."
    ),
    "email_foreign_domain": gettext_lazy(
        "Die E-Mail-Adresse vom Identitätsanbieter gehört nicht zu den Domains dieser Kommune."
    ),
    "email_mismatch": gettext_lazy(
        "Die E-Mail-Adresse vom Identitätsanbieter ist nicht die dieses Kontos."
    ),
    "member_inactive": gettext_lazy(
        "Ihr Konto im Lotsennetz ist deaktiviert. Bitte wenden Sie sich an die Koordination "
        "Ihrer Kommune."
    ),
    "member_other_municipality": gettext_lazy(
        "Ihr Konto im Lotsennetz gehört zu einer anderen Kommune."
    ),
    "member_linked_elsewhere": gettext_lazy(
        "Ihr Konto ist schon mit einem anderen Zugang beim Identitätsanbieter verknüpft."
    ),
}


def _failure(request, code: str, *, provider: OidcProvider | None = None, status: int = 400):
    logger.warning(
        "oidc: sign-in failed (%s) at %s",
        code,
        provider.municipality.slug if provider is not None else "unknown municipality",
    )
    return render(
        request,
        "community/oidc_error.html",
        {"reason": REASONS.get(code, REASONS["bad_request"]), "code": code},
        status=status,
    )


def _safe_next(request, url) -> str:
    if isinstance(url, str) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def oidc_begin(request, provider: OidcProvider, email: str, next_url: str):
    """Send the browser to the provider (called by the sign-in page's e-mail step)."""
    try:
        url, pending = oidc.authorization_request(provider, login_hint=email)
    except oidc.OidcError as exc:
        return _failure(request, exc.code, provider=provider, status=400)
    pending.update(until=int(time.time()) + PENDING_SECONDS, next=next_url or "")
    request.session[PENDING_KEY] = pending
    logger.info("oidc: sign-in started at %s", provider.municipality.slug)
    return redirect(url)


def _parameter(request, name: str) -> str | None:
    value = request.GET.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_PARAMETER_LENGTH:
        return None
    return value


@login_not_required
@require_safe
def oidc_callback(request):
    # One try per start: whatever happens, this state is used up now.
    pending = request.session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return _failure(request, "no_pending")
    state = _parameter(request, "state")
    if state is None or not hmac.compare_digest(state.encode(), pending["state"].encode()):
        return _failure(request, "state_mismatch")
    provider = (
        OidcProvider.objects.select_related("municipality")
        .filter(pk=pending.get("provider"), approved_at__isnull=False)
        .first()
    )
    if provider is None:
        return _failure(request, "provider_gone")
    error = request.GET.get("error")
    if error is not None:
        if error in {"access_denied", "login_required", "interaction_required"}:
            return _failure(request, "access_denied", provider=provider, status=403)
        return _failure(request, "provider_error", provider=provider)
    code = _parameter(request, "code")
    if code is None:
        return _failure(request, "bad_request", provider=provider)
    try:
        tokens = oidc.exchange_code(provider, code=code, verifier=pending["verifier"])
        claims = oidc.verify_id_token(provider, id_token=tokens["id_token"], nonce=pending["nonce"])
        outcome = services.oidc_signin(provider=provider, claims=claims)
    except oidc.OidcError as exc:
        return _failure(
            request,
            exc.code,
            provider=provider,
            status=403 if exc.code.startswith(("member_", "email_")) else 400,
        )
    next_url = _safe_next(request, pending.get("next"))
    if outcome.needs_link:
        request.session[LINK_KEY] = {
            "member": outcome.member.pk,
            "provider": provider.pk,
            "claims": {
                k: claims[k]
                for k in (
                    "sub",
                    provider.email_claim,
                    "email_verified",
                    "name",
                    "department",
                    "amr",
                )
                if k in claims
            },
            "id_token": tokens["id_token"],
            "until": int(time.time()) + PENDING_SECONDS,
            "next": next_url,
        }
        logger.info("oidc: existing account at %s awaits linking", provider.municipality.slug)
        return redirect("oidc_link")
    if _platform_step_needed(outcome.member, claims):
        return _platform_step(request, outcome.member, next_url)
    _sign_in(request, outcome.member, provider, tokens["id_token"], claims)
    logger.info("oidc: member %s signed in at %s", outcome.member.pk, provider.municipality.slug)
    return redirect(next_url)


def _provider_vouches(claims: dict) -> bool:
    return settings.OIDC_PROVIDER_SECOND_FACTOR == "trust" or oidc.asserts_second_factor(claims)


def _platform_step_needed(member: User, claims: dict) -> bool:
    """A role that must have a second factor, a provider that did not say it asked for
    one, and a factor of the platform's own to ask instead."""
    return (
        not _provider_vouches(claims)
        and services.second_factor_required(member)
        and services.member_has_second_factor(member)
    )


def _platform_step(request, member: User, next_url: str):
    """The platform's own second step (community.views.second_factor_signin)."""
    request.session.cycle_key()
    request.session[SECOND_STEP_KEY] = {
        "member": member.pk,
        "until": int(time.time()) + settings.SECOND_FACTOR_PENDING_SECONDS,
        "next": next_url,
    }
    logger.info("oidc: member %s asked for the platform's second factor", member.pk)
    return redirect("second_factor_signin")


def _sign_in(request, member: User, provider: OidcProvider, id_token: str, claims: dict) -> None:
    login(request, member, backend=BACKEND)  # a new session key: no fixation
    request.session[ID_TOKEN_KEY] = id_token
    request.session[PROVIDER_KEY] = provider.pk
    # Whether this sign-in counts as one with a second factor (community.middleware).
    request.session[SECOND_FACTOR_KEY] = _provider_vouches(claims)
    # The sign-out button's redirect to the provider must pass the pages' form-action.
    if origin := oidc.end_session_origin(provider):
        request.session[CSP_FORM_ACTION_KEY] = [origin]


@login_not_required
@require_http_methods(["GET", "POST"])
def oidc_link(request):
    """An account with this address exists already: its password confirms it is the same
    person, once; afterwards the provider alone signs them in."""
    pending = request.session.get(LINK_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        request.session.pop(LINK_KEY, None)
        return _failure(request, "no_pending")
    member = User.objects.filter(pk=pending["member"], is_active=True).first()
    provider = (
        OidcProvider.objects.select_related("municipality")
        .filter(pk=pending["provider"], approved_at__isnull=False)
        .first()
    )
    if member is None or provider is None:
        request.session.pop(LINK_KEY, None)
        return _failure(request, "no_pending")
    form = OidcLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_check(request=request, member=member, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            request.session.pop(LINK_KEY, None)
            try:
                services.oidc_link(member=member, provider=provider, claims=pending["claims"])
            except oidc.OidcError as exc:
                return _failure(request, exc.code, provider=provider, status=403)
            if _platform_step_needed(member, pending["claims"]):
                return _platform_step(request, member, pending.get("next") or "/")
            _sign_in(request, member, provider, pending["id_token"], pending["claims"])
            logger.info("oidc: member %s linked at %s", member.pk, provider.municipality.slug)
            messages.success(
                request,
                _("Ihr Konto ist verknüpft. Künftig melden Sie sich über Ihre Kommune an."),
            )
            return redirect(pending.get("next") or "/")
    return render(
        request,
        "community/oidc_link.html",
        {"form": form, "email": member.email, "municipality": provider.municipality},
    )


class LogoutView(auth_views.LogoutView):
    """Ends the session here and, where the provider offers it, there too (RP-initiated
    logout with ``id_token_hint``)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(ID_TOKEN_KEY)
        provider = OidcProvider.objects.filter(pk=request.session.get(PROVIDER_KEY)).first()
        response = super().post(request, *args, **kwargs)
        if id_token and provider is not None:
            url = oidc.end_session_url(
                provider,
                id_token=id_token,
                post_logout_redirect=f"{settings.SITE_URL}/anmelden/",
            )
            if url:
                return redirect(url)
        return response
