"""The admin site: its login and password doors are the throttled ones of the platform.

``/admin/login/`` checks the password through ``community.backends.sign_in``
(the sign-in throttle, device cookies) and gives the browser a device cookie;
``/admin/password_change/`` is the member's own password page, which ends
other sessions and tokens. See docs/security.md.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from core import throttling


class LotsennetzAdminSite(admin.AdminSite):
    @property
    def login_form(self):
        # Imported late: this module is loaded before the models are.
        from community.forms import AdminLoginForm

        return AdminLoginForm

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        signed_in = request.method == "POST" and response.status_code == 302
        if signed_in and request.user.is_authenticated:  # this browser is now a known device
            throttling.set_device_cookie(response, request=request, email=request.user.email)
        return response

    def password_change(self, request, extra_context=None):
        return redirect("password_change")

    def password_change_done(self, request, extra_context=None):
        return redirect("profile_edit")


class LotsennetzAdminConfig(AdminConfig):
    default_site = "community.admin_site.LotsennetzAdminSite"
