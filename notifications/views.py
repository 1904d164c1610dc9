"""The notifications page: what the bell counts, and how often to be mailed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.models import EmailFrequency
from notifications import selectors, services


@require_http_methods(["GET"])
def notification_list(request):
    """The bell's list. What it shows counts as seen: those entries are marked
    read (one UPDATE) and still shown as new this once."""
    page = Paginator(selectors.notification_list(member=request.user), 30).get_page(
        request.GET.get("page")
    )
    unread = [n.pk for n in page.object_list if not n.is_read]
    if unread:
        services.notifications_mark_read(member=request.user, ids=unread)
    return render(
        request,
        "notifications/notifications.html",
        {"page": page, "frequencies": EmailFrequency.choices},
    )


@require_POST
def notification_open(request, pk):
    """Mark one notification read and go where it points (a local path only)."""
    notification = selectors.notification_list(member=request.user).filter(pk=pk).first()
    if notification is None:
        return redirect("notifications")
    services.notifications_mark_read(member=request.user, ids=[notification.pk])
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith(
        "/"
    ):
        target = "/"
    return redirect(target)


@require_POST
def notifications_read(request):
    services.notifications_mark_read(member=request.user)
    messages.success(request, _("Alle Benachrichtigungen sind als gelesen markiert."))
    return redirect("notifications")


@require_POST
def notification_settings(request):
    frequency = request.POST.get("email_notifications", "")
    try:
        services.email_notifications_set(member=request.user, frequency=frequency)
    except ValidationError:
        messages.error(request, _("Bitte wählen Sie eine der angebotenen Möglichkeiten."))
        return redirect("notifications")
    messages.success(request, _("Gespeichert."))
    return redirect("notifications")
