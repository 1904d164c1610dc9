"""Pages of the community app: sign-in and the ways in, dashboard, profiles."""

import base64
import json
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults as django_defaults
from django.views.decorators.http import require_http_methods, require_safe

from community import access, backends, oidc, oidc_views, selectors, services
from community.forms import (
    AccountSetupForm,
    DocumentsForm,
    ExpertiseForm,
    FactorChangeForm,
    InviteForm,
    LoginEmailForm,
    LoginForm,
    MemberPasswordResetForm,
    OidcProposalForm,
    ProfileForm,
    ProjectForm,
    QualificationForm,
    ResettingSetPasswordForm,
    SecondFactorCodeForm,
    SignupForm,
    ThrottledPasswordChangeForm,
    TotpConfirmForm,
)
from community.oidc import redirect_uri as oidc_redirect_uri
from core import throttling
from core.api_errors import (
    api_bad_request,
    api_forbidden,
    api_not_found,
    api_server_error,
)
from core.concurrency import VersionConflict, page_conflict
from core.site import site_url

BACKEND = "community.backends.EmailBackend"


def _apply_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form, on the right field."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field_map.get(field, field)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(field_map.get("__all__"), exc)


# --- signing in ---------------------------------------------------------------
class LoginView(auth_views.LoginView):
    """E-mail first, as at the municipality (issue 21), in two steps without JavaScript.

    Step 1 asks only for the address: one of a municipality with its own identity
    provider goes there; any other is asked for the password (step 2), which looks the
    same whether an account exists or not. A POST with address and password together
    (a password manager, a script) signs in at once; only that counts on the throttle.
    """

    form_class = LoginForm
    template_name = "community/login.html"
    redirect_authenticated_user = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # The address step may redirect to a provider: the page's form-action allows it.
        request.csp_form_action = oidc.sign_in_origins()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", LoginEmailForm())
        context = super().get_context_data(**kwargs)
        context["step"] = "email" if isinstance(context["form"], LoginEmailForm) else "password"
        return context

    def post(self, request, *args, **kwargs):
        if "password" not in request.POST:
            email_form = LoginEmailForm(request.POST)
            if not email_form.is_valid():
                return self.render_to_response(self.get_context_data(form=email_form))
            email = email_form.cleaned_data["username"]
        else:
            email = request.POST.get("username", "").strip()
        if email and "@" in email and len(email) <= 254:
            provider = services.oidc_provider_for_email(email)
            if provider is not None:
                return oidc_views.oidc_begin(request, provider, email, self.get_redirect_url())
        if "password" not in request.POST:
            form = self.get_form_class()(request, initial={"username": email})
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.has_error("username"):
            # No usable address: back to the first step, with the reason.
            email_form = LoginEmailForm({"username": self.request.POST.get("username", "")})
            email_form.is_valid()
            return self.render_to_response(self.get_context_data(form=email_form))
        return super().form_invalid(form)

    def form_valid(self, form):
        member = form.get_user()
        if services.member_has_second_factor(member):
            # Not signed in yet: the code step (second_factor_signin) completes it.
            self.request.session.cycle_key()
            _pending_start(self.request, member, self.get_redirect_url())
            return redirect("second_factor_signin")
        response = super().form_valid(form)
        # This browser is now a known device of the account (core.throttling).
        throttling.set_device_cookie(response, request=self.request, email=form.get_user().email)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = MemberPasswordResetForm
    template_name = "community/password_reset_form.html"
    email_template_name = "community/email/password_reset.txt"
    subject_template_name = "community/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self):
        return {"site_url": site_url(), "site_name": settings.SITE_NAME}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "community/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "community/password_reset_confirm.html"
    form_class = ResettingSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "community/password_reset_complete.html"


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        return render(request, "community/link_invalid.html", status=404)
    member = invitation.member
    form = AccountSetupForm(
        request.POST or None, email=member.email, initial={"display_name": member.display_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"__all__": "password1"})
        else:
            login(request, member, backend=BACKEND)
            messages.success(request, _("Willkommen im Lotsennetz! Ihr Konto ist eingerichtet."))
            return redirect("profile_edit")
    return render(
        request, "community/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.signup_request(email=form.cleaned_data["email"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return render(
                request, "community/signup_sent.html", {"email": form.cleaned_data["email"]}
            )
    return render(request, "community/signup.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    email = services.signup_email_for_token(token)
    if email is None:
        return render(request, "community/link_invalid.html", status=404)
    form = AccountSetupForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.signup_complete(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"__all__": None, "email": None})
        else:
            login(request, member, backend=BACKEND)
            messages.success(request, _("Willkommen im Lotsennetz! Ihr Konto ist eingerichtet."))
            return redirect("profile_edit")
    return render(request, "community/signup_confirm.html", {"form": form, "email": email})


# --- the network (the start page is home.views.dashboard) -----------------------
@require_safe
def member_detail(request, handle):
    member = access.access_member_by_handle(request.user, handle)
    context = {
        "member": member,
        "expertise_entries": member.expertise_entries.select_related("expertise"),
        "learning": member.learning_interests.all(),
        "qualifications": member.qualifications.select_related("confirmed_by"),
        "projects": selectors.project_list(viewer=request.user).filter(members=member),
        "can_confirm": request.user.is_network_admin
        or request.user.is_coordinator_of(member.municipality),
    }
    return render(request, "community/member_detail.html", context)


@require_http_methods(["GET", "POST"])
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update_profile(
                member=request.user,
                **{
                    k: form.cleaned_data[k]
                    for k in ("display_name", "department", "position", "bio")
                },
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Ihr Profil ist gespeichert."))
            return redirect(request.user.get_absolute_url())
    return render(
        request,
        "community/profile_edit.html",
        {"form": form, "api_tokens": selectors.member_api_tokens(member=request.user)},
    )


@require_http_methods(["GET", "POST"])
def password_change(request):
    """A new password; every other session and API token of the member ends."""
    form = ThrottledPasswordChangeForm(request.user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        member = services.member_password_set(
            member=request.user,
            password=form.cleaned_data["new_password1"],
            except_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, member)  # this browser stays signed in
        messages.success(
            request,
            _(
                "Ihr Passwort ist geändert. Alle anderen Sitzungen und Zugangsschlüssel "
                "sind beendet."
            ),
        )
        return redirect("profile_edit")
    return render(request, "community/password_change.html", {"form": form})


@require_http_methods(["POST"])
def api_token_revoke(request, pk):
    token = access.access_api_token(request.user, pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("Der Zugangsschlüssel ist widerrufen."))
    return redirect("profile_edit")


@require_http_methods(["GET", "POST"])
def expertise_edit(request):
    form = ExpertiseForm(
        request.POST or None, member=request.user, fields_of_expertise=selectors.expertise_list()
    )
    if request.method == "POST" and form.is_valid():
        services.member_set_expertise(
            member=request.user, expertise=form.declared(), learning=form.learning()
        )
        messages.success(request, _("Ihre Erfahrungen sind gespeichert."))
        return redirect(request.user.get_absolute_url())
    return render(request, "community/expertise_edit.html", {"form": form})


@require_http_methods(["GET", "POST"])
def qualification_add(request):
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_add(member=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Die Qualifizierung ist eingetragen."))
            return redirect(request.user.get_absolute_url())
    return render(request, "community/qualification_form.html", {"form": form})


@require_http_methods(["POST"])
def qualification_confirm(request, pk):
    qualification = access.access_qualification(request.user, pk)
    try:
        services.qualification_confirm(qualification=qualification, confirmed_by=request.user)
    except ValidationError as exc:
        raise PermissionDenied from exc
    messages.success(request, _("Die Qualifizierung ist bestätigt."))
    return redirect(qualification.member.get_absolute_url())


@require_http_methods(["POST"])
def qualification_delete(request, pk):
    qualification = access.access_qualification(request.user, pk)
    if qualification.member_id != request.user.pk:
        raise PermissionDenied
    services.qualification_delete(qualification=qualification)
    messages.success(request, _("Die Qualifizierung ist entfernt."))
    return redirect(request.user.get_absolute_url())


# --- projects -------------------------------------------------------------------
@require_http_methods(["POST"])
def project_documents(request, pk):
    """The project's people (also from other municipalities) add documents."""
    project = access.access_project(request.user, pk)
    if not access.can_add_project_files(request.user, project):
        raise PermissionDenied
    form = DocumentsForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("attachments", [])))
        return redirect(project)
    try:
        services.project_files_add(
            project=project, member=request.user, attachments=form.cleaned_data["attachments"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Die Unterlagen sind hinzugefügt."))
    return redirect(project)


@require_http_methods(["POST"])
def project_invitation_answer(request, pk, answer):
    """The invited member accepts or declines taking part in a project."""
    project = access.access_project_invitation(request.user, pk).project
    try:
        if answer == "accept":
            services.project_invitation_accept(project=project, member=request.user)
            messages.success(request, _("Sie sind jetzt am Projekt beteiligt."))
        else:
            services.project_invitation_decline(project=project, member=request.user)
            messages.success(request, _("Sie haben die Einladung abgelehnt."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(project)


@require_http_methods(["GET", "POST"])
def project_create(request):
    municipality = request.user.municipality
    if not access.can_edit_projects_of(request.user, municipality):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                created_by=request.user, municipality=municipality, **form.service_data()
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Das Projekt ist angelegt."))
            return redirect(project)
    return render(request, "community/project_form.html", {"form": form, "project": None})


@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = access.access_project(request.user, pk)
    if not access.can_edit_project(request.user, project):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, instance=project, municipality=project.municipality)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_update(
                project=project,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                **form.service_data(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except VersionConflict as exc:
            stored = ProjectForm(
                request.POST, instance=exc.current, municipality=exc.current.municipality
            )
            conflict = page_conflict(form, stored, version=exc.current.version)
        else:
            messages.success(request, _("Das Projekt ist gespeichert."))
            return redirect(project)
    return render(
        request,
        "community/project_form.html",
        {"form": form, "project": project, "conflict": conflict},
    )


@require_http_methods(["GET", "POST"])
def invite(request):
    municipalities = selectors.invitable_municipalities(user=request.user)
    if not municipalities:
        raise PermissionDenied
    form = InviteForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_invite(invited_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("Die Einladung an %(email)s ist verschickt.") % {"email": member.email}
            )
            return redirect("invite")
    return render(request, "community/invite.html", {"form": form})


@require_http_methods(["GET", "POST"])
def municipality_oidc(request, slug):
    """A coordinator proposes (or changes) the municipality's identity provider; the
    proposal applies once an administrator approves it in the admin, an approved
    connection stays in force meanwhile (issue 21)."""
    municipality = access.access_municipality_oidc(request.user, slug)
    provider = selectors.municipality_oidc_provider(municipality=municipality)
    if provider and provider.has_proposal:
        # The change waiting for approval is what the coordinator goes on editing.
        initial = {
            "issuer": provider.proposed_issuer,
            "client_id": provider.proposed_client_id,
            "email_claim": provider.proposed_email_claim,
            "required": provider.proposed_required,
        }
    elif provider:
        initial = {
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "email_claim": provider.email_claim,
            "required": provider.required,
        }
    else:
        initial = {"email_claim": "email"}
    form = OidcProposalForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        has_secret=bool(provider and provider.client_secret_sealed),
        allow_internal=request.user.is_network_admin,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.oidc_provider_set(
                municipality=municipality,
                issuer=form.cleaned_data["issuer"],
                client_id=form.cleaned_data["client_id"],
                client_secret=form.cleaned_data["client_secret"] or None,
                email_claim=form.cleaned_data["email_claim"],
                required=form.cleaned_data["required"],
                by=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Die Verbindung ist gespeichert und freigegeben.")
                if not saved.is_pending
                else _(
                    "Der Vorschlag ist gespeichert. Er gilt, sobald die Administration ihn "
                    "freigegeben hat."
                ),
            )
            return redirect("municipality_oidc", slug=municipality.slug)
    return render(
        request,
        "community/municipality_oidc.html",
        {
            "municipality": municipality,
            "provider": provider,
            "form": form,
            "redirect_uri": oidc_redirect_uri(),
        },
        status=400 if form.errors else 200,
    )


# --- errors ---------------------------------------------------------------------
def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        return api_bad_request(request, exception)
    return django_defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if request.path.startswith("/api/"):
        return api_forbidden(request, exception)
    return django_defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return HttpResponseServerError(loader.render_to_string("500.html"))


# --- second factor (issue 21) ------------------------------------------------------------
# Between password and code the session holds only the member's id and a deadline;
# it is signed in (login(), new session key) once the second step succeeds.
PENDING_KEY = "second_factor_pending"
PASSKEY_CHALLENGE_KEY = "second_factor_passkey_challenge"


def _pending_start(request, member, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "member": member.pk,
        "until": int(time.time()) + settings.SECOND_FACTOR_PENDING_SECONDS,
        "next": next_url,
    }


def _pending_member(request):
    """The member who gave the right password a moment ago, or None (expired, gone)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    member = selectors.active_member_by_pk(pending.get("member"))
    return member


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _complete_sign_in(request, member):
    next_url = _safe_next(request, (request.session.get(PENDING_KEY) or {}).get("next"))
    request.session.pop(PENDING_KEY, None)
    request.session.pop(PASSKEY_CHALLENGE_KEY, None)
    login(request, member, backend=BACKEND)
    return next_url


def _relying_party(request) -> tuple[str, str]:
    """WebAuthn's RP ID (the host name passkeys are bound to) and the expected origin."""
    host = request.get_host()
    rp_id = settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    return rp_id, f"{request.scheme}://{host}"


def _json_body(request) -> dict | None:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _json_error(message: str, status: int = 400, code: str = "invalid") -> JsonResponse:
    return JsonResponse({"detail": message, "code": code}, status=status)


def _challenge_store(request, challenge: bytes) -> None:
    request.session[PASSKEY_CHALLENGE_KEY] = {
        "challenge": base64.urlsafe_b64encode(challenge).decode(),
        "until": int(time.time()) + settings.SECOND_FACTOR_PENDING_SECONDS,
    }


def _challenge_take(request) -> bytes | None:
    """The challenge the server issued last, once: a second answer to it is refused."""
    stored = request.session.pop(PASSKEY_CHALLENGE_KEY, None)
    if not isinstance(stored, dict) or stored.get("until", 0) < time.time():
        return None
    return base64.urlsafe_b64decode(stored["challenge"])


@login_not_required
@require_http_methods(["GET", "POST"])
def second_factor_signin(request):
    """The second step of signing in: a code (app or recovery) or a passkey."""
    member = _pending_member(request)
    if member is None:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Die Anmeldung ist abgelaufen. Bitte beginnen Sie noch einmal."))
        return redirect("login")
    form = SecondFactorCodeForm(request.POST or None, request=request, member=member)
    if request.method == "POST" and form.is_valid():
        next_url = _complete_sign_in(request, member)
        response = redirect(next_url)
        throttling.set_device_cookie(response, request=request, email=member.email)
        return response
    return render(
        request,
        "community/second_factor_signin.html",
        {"form": form, "factors": selectors.member_second_factors(member=member)},
    )


@login_not_required
@require_http_methods(["POST"])
def second_factor_signin_passkey_options(request):
    member = _pending_member(request)
    if member is None:
        return _json_error(_("Die Anmeldung ist abgelaufen."), 403, "expired")
    options, challenge = services.passkey_authentication_options(
        member=member, rp_id=_relying_party(request)[0]
    )
    _challenge_store(request, challenge)
    return HttpResponse(options, content_type="application/json")


@login_not_required
@require_http_methods(["POST"])
def second_factor_signin_passkey(request):
    member = _pending_member(request)
    if member is None:
        return _json_error(_("Die Anmeldung ist abgelaufen."), 403, "expired")
    credential, challenge = _json_body(request), _challenge_take(request)
    if credential is None or challenge is None:
        return _json_error(_("Die Anfrage ist ungültig."))
    rp_id, origin = _relying_party(request)
    try:
        backends.second_factor_throttled(request=request, member=member)
        services.passkey_use(
            member=member, credential=credential, challenge=challenge, rp_id=rp_id, origin=origin
        )
    except ValidationError as exc:
        if exc.code != "throttled":
            backends.second_factor_failed(request=request, member=member)
        return _json_error(exc.messages[0], 429 if exc.code == "throttled" else 400, exc.code)
    next_url = _complete_sign_in(request, member)
    response = JsonResponse({"redirect": next_url})
    throttling.set_device_cookie(response, request=request, email=member.email)
    return response


@require_safe
def second_factor_manage(request):
    """The member's factors; for required roles without one, the only reachable page."""
    return render(
        request,
        "community/second_factor.html",
        {
            "factors": selectors.member_second_factors(member=request.user),
            "required": services.second_factor_required(request.user),
            "change_form": FactorChangeForm(request=request, member=request.user),
        },
    )


def _totp_setup_page(request, form, secret: str, status: int = 200):
    uri = services.totp_provisioning_uri(member=request.user, secret=secret)
    qr_svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR-Code für die Authenticator-App")
    )
    return render(
        request,
        "community/totp_setup.html",
        {
            "form": form,
            "secret": secret,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "qr_svg": mark_safe(qr_svg),  # noqa: S308 - segno's own SVG of our own URI
            "otpauth_url": uri,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def totp_setup(request):
    """POST without a code starts (or restarts) setting up; with a code it confirms."""
    pending = selectors.member_pending_totp(member=request.user)
    if request.method == "GET" or "otp" not in request.POST:
        if request.method == "POST" or pending is None:
            pending, _secret = services.totp_begin(member=request.user)
        return _totp_setup_page(request, TotpConfirmForm(), services.totp_secret(pending))
    form = TotpConfirmForm(request.POST)
    if pending is None:
        return redirect("second_factor_manage")
    if form.is_valid():
        try:
            added = services.totp_confirm(
                member=request.user,
                otp=form.cleaned_data["otp"],
                except_session_key=request.session.session_key,
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"__all__": "otp"})
        else:
            messages.success(request, _("Die Authenticator-App ist eingerichtet."))
            if notice := _older_access_notice(added):
                messages.info(request, notice)
            return render(request, "community/recovery_codes.html", {"codes": added.recovery_codes})
    return _totp_setup_page(request, form, services.totp_secret(pending), status=400)


def _older_access_notice(added) -> str:
    """What the first factor ended: keys and sessions that had only the password."""
    parts = []
    if added.revoked_tokens:
        parts.append(
            ngettext(
                "%(count)d älterer Zugangsschlüssel wurde gesperrt: Er war ohne zweiten "
                "Faktor ausgestellt.",
                "%(count)d ältere Zugangsschlüssel wurden gesperrt: Sie waren ohne zweiten "
                "Faktor ausgestellt.",
                added.revoked_tokens,
            )
            % {"count": added.revoked_tokens}
        )
    if added.ended_sessions:
        parts.append(
            ngettext(
                "%(count)d andere Sitzung wurde beendet.",
                "%(count)d andere Sitzungen wurden beendet.",
                added.ended_sessions,
            )
            % {"count": added.ended_sessions}
        )
    return " ".join(parts)


def _confirmed_change(request):
    form = FactorChangeForm(request.POST, request=request, member=request.user)
    if form.is_valid():
        return True
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return False


@require_http_methods(["POST"])
def totp_remove(request):
    if _confirmed_change(request):
        try:
            services.totp_remove(member=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Die Authenticator-App ist entfernt."))
    return redirect("second_factor_manage")


@require_http_methods(["POST"])
def passkey_remove(request, pk):
    passkey = access.access_passkey(request.user, pk)
    if _confirmed_change(request):
        try:
            services.passkey_remove(passkey=passkey)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Der Passkey ist entfernt."))
    return redirect("second_factor_manage")


@require_http_methods(["POST"])
def recovery_codes_renew(request):
    if not services.member_has_second_factor(request.user):
        return redirect("second_factor_manage")
    if not _confirmed_change(request):
        return redirect("second_factor_manage")
    codes = services.recovery_codes_renew(member=request.user)
    return render(request, "community/recovery_codes.html", {"codes": codes})


@require_http_methods(["POST"])
def passkey_register_options(request):
    options, challenge = services.passkey_registration_options(
        member=request.user, rp_id=_relying_party(request)[0]
    )
    _challenge_store(request, challenge)
    return HttpResponse(options, content_type="application/json")


@require_http_methods(["POST"])
def passkey_register(request):
    data, challenge = _json_body(request), _challenge_take(request)
    if data is None or challenge is None or not isinstance(data.get("credential"), dict):
        return _json_error(_("Die Anfrage ist ungültig."))
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    rp_id, origin = _relying_party(request)
    try:
        added = services.passkey_register(
            member=request.user,
            credential=data["credential"],
            challenge=challenge,
            rp_id=rp_id,
            origin=origin,
            name=name,
            except_session_key=request.session.session_key,
        )
    except ValidationError as exc:
        return _json_error(exc.messages[0], code=exc.code or "invalid")
    body = {
        "redirect": reverse("second_factor_manage"),
        "revoked_tokens": added.revoked_tokens,
        "ended_sessions": added.ended_sessions,
        "notice": _older_access_notice(added),
    }
    if added.recovery_codes:  # the first factor: a set of recovery codes comes with it
        body["recovery_codes"] = added.recovery_codes
    else:
        messages.success(request, _("Der Passkey ist gespeichert."))
    return JsonResponse(body, status=201)
