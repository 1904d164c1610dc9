"""Pages of the community app: sign-in and the ways in, dashboard, profiles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import defaults as django_defaults
from django.views.decorators.http import require_http_methods, require_safe

from community import access, selectors, services
from community.forms import (
    AccountSetupForm,
    DocumentsForm,
    ExpertiseForm,
    InviteForm,
    LoginForm,
    MemberPasswordResetForm,
    ProfileForm,
    ProjectForm,
    QualificationForm,
    ResettingSetPasswordForm,
    SignupForm,
    ThrottledPasswordChangeForm,
)
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
    form_class = LoginForm
    template_name = "community/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
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


# --- the network --------------------------------------------------------------
@require_safe
def dashboard(request):
    return render(request, "community/dashboard.html")


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
