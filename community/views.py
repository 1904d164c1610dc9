"""Pages of the community app: sign-in and the ways in, dashboard, profiles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import access, selectors, services
from community.api_errors import api_not_found, api_server_error
from community.forms import (
    AccountSetupForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    ResettingSetPasswordForm,
    SignupForm,
)
from community.models import Municipality

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


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "community/password_reset_form.html"
    email_template_name = "community/email/password_reset.txt"
    subject_template_name = "community/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self):
        return {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "community/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "community/password_reset_confirm.html"
    form_class = ResettingSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "community/password_reset_complete.html"


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
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


# --- legal pages --------------------------------------------------------------
@login_not_required
def legal(request, page):
    return render(request, f"legal/{page}.html")


# --- the network --------------------------------------------------------------
def dashboard(request):
    return render(request, "community/dashboard.html")


def member_list(request):
    form_data = {
        "q": request.GET.get("q", "")[:200],
        "municipality": request.GET.get("municipality", ""),
    }
    members = selectors.member_search(viewer=request.user, **form_data)
    page = Paginator(members, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "community/member_list.html",
        {
            "page": page,
            "filters": form_data,
            "municipalities": Municipality.objects.only("slug", "name"),
        },
    )


def member_detail(request, handle):
    member = access.access_member_by_handle(request.user, handle)
    return render(request, "community/member_detail.html", {"member": member})


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
    return render(request, "community/profile_edit.html", {"form": form})


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
def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request):
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return HttpResponseServerError(loader.render_to_string("500.html"))
