"""The member's own data: download everything (a ZIP: the JSON and the member's files)
and erase the account."""

import tempfile

from django import forms
from django.contrib.auth import logout
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from community.backends import password_check
from privacy import export, services


class EraseAccountForm(forms.Form):
    """The member confirms with their password, so a forgotten open session cannot."""

    password = forms.CharField(
        label=_("Ihr Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("Ich möchte mein Konto endgültig löschen."),
    )

    def __init__(self, *args, member, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        self.request = request

    def clean_password(self):
        # On the sign-in throttle: a stolen session guesses no faster here.
        password = self.cleaned_data["password"]
        password_check(request=self.request, member=self.member, password=password)
        return password


export_json = export.export_json


def export_filename(member) -> str:
    return f"lotsennetz-daten-{member.handle}-{timezone.localdate():%Y-%m-%d}.zip"


@require_GET
def privacy_page(request):
    form = EraseAccountForm(member=request.user)
    return render(request, "community/privacy.html", {"form": form})


@never_cache
@require_GET
def privacy_export(request):
    data = export.member_export(member=request.user)
    # Built in a temporary file (removed when closed), sent in chunks: never all in memory.
    out = tempfile.TemporaryFile(prefix="lotsennetz-export-")  # noqa: SIM115 (FileResponse closes it)
    try:
        export.write_export_zip(member=request.user, data=data, out=out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = FileResponse(out, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_filename(request.user)
    )
    return response


@require_http_methods(["POST"])
def account_erase(request):
    form = EraseAccountForm(request.POST, member=request.user, request=request)
    if not form.is_valid():
        return render(request, "community/privacy.html", {"form": form}, status=400)
    services.member_erase(member=request.user)
    logout(request)
    return render(request, "community/account_erased.html")
