from django.shortcuts import render
from django.utils.translation import gettext as _


def index(request):
    return render(request, "section_pending.html", {"section": _("Termine")})
